"""The directory API's router and the helpers its endpoints share."""

from typing import Any

from core.api import PackageRouter
from core.forms import raise_form_errors
from network.api.schemas import DirectoryFilter
from network.forms import DirectoryFilterForm

router = PackageRouter("network_api_", tags=["directory"])


def _filter_form(filters: DirectoryFilter) -> DirectoryFilterForm:
    form = DirectoryFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    return form


def _form_data(form_class, initial: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The form's fields from the stored values, overridden by the patch's given ones."""
    data = dict(initial)
    for name, value in patch.items():
        if value is None:
            continue
        if isinstance(value, dict):  # per-language texts: only the languages given change
            data.update({f"{name}_{code}": text for code, text in value.items()})
        elif name == "areas":
            data[name] = ", ".join(value)
        else:
            data[name] = value
    return data
