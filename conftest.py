import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Mail stays in memory; pages answer in English unless a test asks otherwise.
    (Uploads go to a temporary folder: see MEDIA_ROOT in the settings.)"""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    cache.clear()  # the in-memory cache outlives each test's rolled-back transaction
