"""Builds and installs the Python module `segpipe` (python/) with CMake, offline:

    python3 -m pip install --no-build-isolation .

The extension is CMake's target segpipe_python, configured as a library-only build (no tests, no
CLI, no benchmarks) in build/pip/cmake. With SEGPIPE_CMAKE_BUILD_DIR set to an already
configured build folder, that folder's target is built instead and nothing is reconfigured.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(segpipe VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("SEGPIPE_CMAKE_BUILD_DIR")
        if build_dir:
            build_dir = pathlib.Path(build_dir).resolve()
        else:
            build_dir = (ROOT / "build" / "pip" / "cmake").resolve()
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.check_call(
                ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                 "-DCMAKE_BUILD_TYPE=Release", "-DSEGPIPE_BUILD_TESTS=OFF",
                 "-DSEGPIPE_BUILD_CLI=OFF", "-DSEGPIPE_BUILD_BENCHMARKS=OFF",
                 "-DSEGPIPE_BUILD_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"])
        jobs = ["--parallel", str(os.cpu_count() or 1)]
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "segpipe_python",
                               *jobs])
        built = sorted((build_dir / "python" / "segpipe").glob("_segpipe*.so"))
        if not built:
            raise RuntimeError(
                f"{build_dir}: no _segpipe module was built; install pybind11-dev and python3-dev")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


setup(
    name="segpipe",
    version=version(),
    description="Split quantized TFLite models across accelerators and run them as a pipeline",
    packages=["segpipe"],
    package_dir={"segpipe": "python/segpipe"},
    ext_modules=[Extension("segpipe._segpipe", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
