"""valuecase: health-care claims to a defensible value case for complex-care programs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("valuecase")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
