"""The static files' storage of production (settings.STORAGES): WhiteNoise's compressed manifest storage, with each
file's URL worked out once per process. Every page asks for the same few URLs (its style sheets, scripts and icons),
and the manifest's lookup, quoting and joining cost as much as the rest of a small template; the manifest does not
change while the process runs (collectstatic runs before it starts)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CachedURLStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        key = (name, force)
        url = self._urls.get(key)
        if url is None:
            url = super().url(name, force)
            if len(self._urls) < 4096:
                self._urls[key] = url
        return url
