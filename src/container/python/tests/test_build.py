"""The standard-library build backend: the wheel it writes is valid (RECORD hashes) and importable."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "_build"))

import aci_batch_build  # noqa: E402


class BuildBackendTest(unittest.TestCase):
    def setUp(self) -> None:
        self.out = tempfile.mkdtemp(prefix="aci-batch-build-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def test_the_wheel_has_the_package_and_a_valid_record(self) -> None:
        name = aci_batch_build.build_wheel(self.out)
        self.assertEqual(name, "aci_batch_reporter-0.1.0-py3-none-any.whl")
        with zipfile.ZipFile(os.path.join(self.out, name)) as wheel:
            names = set(wheel.namelist())
            self.assertIn("aci_batch_reporter/__init__.py", names)
            self.assertIn("aci_batch_reporter/py.typed", names)
            self.assertFalse(any("__pycache__" in n or n.startswith("tests/") for n in names))
            info = "aci_batch_reporter-0.1.0.dist-info"
            metadata = wheel.read(f"{info}/METADATA").decode()
            self.assertIn("Name: aci-batch-reporter\n", metadata)
            self.assertIn("Version: 0.1.0\n", metadata)
            self.assertIn("Tag: py3-none-any", wheel.read(f"{info}/WHEEL").decode())
            rows = list(csv.reader(io.StringIO(wheel.read(f"{info}/RECORD").decode())))
            self.assertEqual({row[0] for row in rows}, names)
            for path, digest, size in rows:
                if path.endswith("RECORD"):
                    continue
                data = wheel.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                self.assertEqual((digest, int(size)), (f"sha256={expected}", len(data)), path)

    def test_the_package_imports_from_the_wheel(self) -> None:
        wheel = os.path.join(self.out, aci_batch_build.build_wheel(self.out))
        code = (
            "import aci_batch_reporter, sys; "
            "assert aci_batch_reporter.__file__.startswith(sys.argv[1]), aci_batch_reporter.__file__; "
            "print(aci_batch_reporter.__version__)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, wheel],
            env={**os.environ, "PYTHONPATH": wheel, "PYTHONDONTWRITEBYTECODE": "1"},
            cwd=self.out,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "0.1.0")

    def test_the_sdist_and_the_editable_wheel(self) -> None:
        sdist = aci_batch_build.build_sdist(self.out)
        with tarfile.open(os.path.join(self.out, sdist)) as archive:
            names = set(archive.getnames())
        base = "aci_batch_reporter-0.1.0"
        for path in ("pyproject.toml", "_build/aci_batch_build.py", "aci_batch_reporter/__init__.py", "PKG-INFO"):
            self.assertIn(f"{base}/{path}", names)
        editable = aci_batch_build.build_editable(self.out)
        with zipfile.ZipFile(os.path.join(self.out, editable)) as wheel:
            self.assertEqual(wheel.read("aci_batch_reporter.pth").decode().strip(), ROOT)

    def test_no_build_requirements(self) -> None:
        self.assertEqual(aci_batch_build.get_requires_for_build_wheel(), [])
        self.assertEqual(aci_batch_build.get_requires_for_build_sdist(), [])


if __name__ == "__main__":
    unittest.main()
