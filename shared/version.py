"""The product's name and version, as used in User-Agent headers and event sources."""

from importlib.metadata import PackageNotFoundError, version

PRODUCT = "kamerstroom"

try:
    VERSION = version(PRODUCT)
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0.0.0"

USER_AGENT = f"{PRODUCT}/{VERSION} (+https://github.com/kamerstroom/kamerstroom)"
