"""The baseline of the check-in benchmark: a bare Flask JSON endpoint with no database."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/trainings/<int:training_id>/checkins")
def check_in(training_id):
    """Parse the scan and answer like a check-in would, without doing one."""
    scan = request.get_json()
    body = {"result": "checked_in", "participant": {"code": scan["qr"][4:12]}, "checked_in_at": scan["scanned_at"]}
    return jsonify(body), 201
