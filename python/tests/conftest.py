"""Shared fixtures of the rnnopt Python tests (run by ctest as "python: pytest")."""
import json
import os
import struct

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.environ.get("RNNOPT_MODELS_DIR", os.path.join(REPO, "models"))
ACQ_MODEL = os.path.join(MODELS, "acq-std-d2.safetensors")


def read_manifest(path):
    """The manifest of a .safetensors model file, read with the standard library only."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return json.loads(header["__metadata__"]["manifest"])


@pytest.fixture(scope="session")
def acq_model_path():
    if not os.path.isfile(ACQ_MODEL):
        pytest.skip("shipped model %s not present" % ACQ_MODEL)
    return ACQ_MODEL
