import pytest


@pytest.fixture(autouse=True)
def _test_defaults(settings, tmp_path):
    """Mail stays in memory, uploads in a temporary folder; pages answer in English unless a
    test asks otherwise."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
