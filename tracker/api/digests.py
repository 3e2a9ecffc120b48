"""``/api/v1/campaigns/{id}/digests``: stored digests, their CSV and XLSX, compile on demand."""
from tracker.api.common import protect
from tracker.core.args import Blueprint

bp = protect(Blueprint("api_digests", __name__, url_prefix="/api/v1/campaigns", description="Digests"))
