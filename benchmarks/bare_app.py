"""The baseline of the check-in benchmark: bare Flask JSON endpoints with no database."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/trainings/<int:training_id>/checkins")
def check_in(training_id):
    """Parse the scan and answer like a check-in would, without doing one."""
    scan = request.get_json()
    body = {"result": "checked_in", "participant": {"code": scan["qr"][4:12]}, "checked_in_at": scan["scanned_at"]}
    return jsonify(body), 201


@app.post("/api/v1/checkins/sync")
def sync():
    """Parse the batch and answer each scan like a sync would, without storing any."""
    scans = request.get_json()["scans"]
    return jsonify({"results": [{"scan_id": scan["scan_id"], "status": 201, "result": "checked_in"} for scan in scans]})
