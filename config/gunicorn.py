"""gunicorn settings that follow Bazaar's: `gunicorn -c config/gunicorn.py config.wsgi:application`.

gunicorn on its own trusts X-Forwarded-Proto (and friends) from 127.0.0.1 or
$FORWARDED_ALLOW_IPS; here it trusts exactly whom TRUSTED_PROXY_COUNT says (nobody when 0).
Command-line flags (--bind, --workers) still apply on top of this file.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import settings as bazaar_settings

forwarded_allow_ips = bazaar_settings.FORWARDED_ALLOW_IPS
