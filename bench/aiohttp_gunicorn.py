"""gunicorn settings for bench/aiohttp_app.py: aiohttp's uvloop worker, none of the service's hooks."""

import resource

worker_class = "aiohttp.GunicornUVLoopWebWorker"
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
