"""One module per keyword, each registering its reply function with ``@reply_to``. Importing this
package imports them all, which registers them (``maternal.apps.MaternalConfig.ready`` does it
when Django starts)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
