"""ICE & CBP technology award records: build, validate, publish and release the data package."""

__version__ = "0.1.0"
