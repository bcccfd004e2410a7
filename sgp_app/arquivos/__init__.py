"""Files on orders and their items: uploads, downloads, thumbnails, over a local or S3 storage."""

from .views import bp

__all__ = ["bp"]
