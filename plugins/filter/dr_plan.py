# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn discovered source servers into waves (used by the plan role)."""


def _wave_key(value):
    text = str(value).strip()
    return (0, int(text), text) if text.lstrip("-").isdigit() else (1, 0, text)


def dr_servers_with_tags(servers, tags):
    """IDs of the source servers (drs_source_server_info entries) carrying all of ``tags``."""
    wanted = {str(k): str(v) for k, v in (tags or {}).items()}
    return [s["source_server_id"] for s in servers or []
            if all(str((s.get("tags") or {}).get(k)) == v for k, v in wanted.items())]


def dr_waves_from_tags(servers, tag="dr:wave", critical=None):
    """Waves from a tag's values, in numeric order when the values are numbers (2 before 10)."""
    groups = {}
    for server in servers or []:
        value = (server.get("tags") or {}).get(tag)
        if value is not None and str(value).strip():
            groups.setdefault(str(value).strip(), []).append(server["source_server_id"])
    waves = []
    for number, value in enumerate(sorted(groups, key=_wave_key), start=1):
        name = f"wave_{int(value):02d}" if value.lstrip("-").isdigit() else f"wave_{value}"
        waves.append({"name": name, "number": number, "tag_value": value, "source_server_ids": sorted(groups[value]),
                      "critical": list(critical or [])})
    return waves


class FilterModule:
    def filters(self):
        return {"dr_servers_with_tags": dr_servers_with_tags, "dr_waves_from_tags": dr_waves_from_tags}
