"""hocba — open, vendor-neutral digital school records (học bạ số) for Vietnam."""

__version__ = "0.1.0"
