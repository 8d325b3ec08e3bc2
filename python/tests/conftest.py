import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("SEGPIPE_SHARED_DIR", REPO.parent / "shared"))
SMALL_MODEL = SHARED / "models" / "coral" / "mobilenet_v1_0.25_128_quant.tflite"


@pytest.fixture(scope="session")
def model():
    import segpipe

    return segpipe.load_model(str(SMALL_MODEL))


@pytest.fixture(scope="session")
def cpu2_plan(model):
    import segpipe

    return segpipe.plan(model, devices="cpu:2", strategy="uniform")
