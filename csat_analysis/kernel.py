"""Register the ``csat-analysis`` Jupyter kernel for this environment (run by ``make``).

``python -m csat_analysis.kernel`` installs the kernel spec into the
environment (``--sys-prefix``) so that papermill, nbval and JupyterLab run the
notebooks with this environment's Python, and silences ipykernel's TCP
warning, which would otherwise end up in every executed notebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .config import KERNEL_NAME

__all__ = ["install_kernel"]


def install_kernel() -> Path:
    """Install (or refresh) the kernel spec and return its folder."""
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL_NAME, display_name="Python (csat-analysis)", prefix=sys.prefix))
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text())
    flag = "--IPKernelApp.log_level=ERROR"
    if flag not in spec["argv"]:
        spec["argv"].append(flag)
    spec_file.write_text(json.dumps(spec, indent=1))
    return folder


if __name__ == "__main__":  # pragma: no cover
    print(f"Installed kernel {KERNEL_NAME!r} in {install_kernel()}")
