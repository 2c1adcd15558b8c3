import pytest


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Mail stays in memory; pages answer in English unless a test asks otherwise."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
