"""pytest: the Python app synthesizes the same template as the TypeScript twin.

run.sh sets CDK_EFA_REFERENCE to the twin's cloud assembly (synthesized on the aws-cdk-lib release pinned in
requirements.txt) and CDK_EFA_OUTDIR to where the Python app writes its own; the comparison itself is
../compare-templates.js, shared by every language.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
COMPARE = HERE.parent / "compare-templates.js"


def test_python_app_synthesizes_the_typescript_twins_template(tmp_path):
    reference = os.environ.get("CDK_EFA_REFERENCE")
    if not reference:
        pytest.fail("CDK_EFA_REFERENCE is not set; run `bash test/bindings/run.sh python` from the repository root")
    outdir = Path(os.environ.get("CDK_EFA_OUTDIR") or tmp_path / "cdk.out")

    synth = subprocess.run(
        [sys.executable, str(HERE / "app.py"), str(outdir)], capture_output=True, text=True, check=False
    )
    assert synth.returncode == 0, f"app.py failed:\n{synth.stdout}\n{synth.stderr}"

    compare = subprocess.run(
        ["node", str(COMPARE), reference, str(outdir), "python"], capture_output=True, text=True, check=False
    )
    print(compare.stdout, end="")
    assert compare.returncode == 0, compare.stdout + compare.stderr
