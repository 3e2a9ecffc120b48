import re


def test_the_openapi_document_covers_every_api_operation(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in {"api-docs.openapi_json", "static"}:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed and routed <= documented
    create = document["paths"]["/api/v1/trainings"]["post"]
    assert "422" in create["responses"] and "201" in create["responses"]


def test_only_the_token_exchange_is_documented_without_a_token(client):
    """The document said every operation needs a bearer token, the one that hands them out too."""
    document = client.get("/api/v1/openapi.json").json
    assert document["security"] == [{"bearer": []}]
    public = [(path, method) for path, ops in document["paths"].items() for method, op in ops.items()
              if method != "parameters" and op.get("security") == []]
    assert public == [("/api/v1/auth/tokens", "post")]
