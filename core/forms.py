from django.core.exceptions import ValidationError


def raise_form_errors(form) -> None:
    """Turn an invalid form into a ValidationError keyed by field (for the API)."""
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
