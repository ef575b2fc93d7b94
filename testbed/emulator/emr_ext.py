"""EMR ListSecurityConfigurations, which moto 5.2.1 lacks.

Follows https://docs.aws.amazon.com/emr/latest/APIReference/API_ListSecurityConfigurations.html: names and
creation times of the account's security configurations, at most 50 per call with a Marker for the next
page; a Marker that does not come from a previous call is an InvalidRequestException.
"""

from __future__ import annotations

from typing import Any

from common import patch

PAGE = 50


def list_security_configurations(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.emr.exceptions import InvalidRequestException

    configs = sorted(self.backend.security_configurations.values(), key=lambda c: (c.creation_date_time, c.name))
    marker = self._get_param("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or int(marker) > len(configs):
            raise InvalidRequestException(message=f"Invalid marker: {marker}")
        start = int(marker)
    page = configs[start:start + PAGE]
    result: dict[str, Any] = {"SecurityConfigurations": [{"Name": c.name, "CreationDateTime": c.creation_date_time} for c in page]}
    if start + PAGE < len(configs):
        result["Marker"] = str(start + PAGE)
    return ActionResult(result)


def install() -> None:
    from moto.emr.responses import ElasticMapReduceResponse

    patch(ElasticMapReduceResponse, "list_security_configurations", list_security_configurations)
