"""Keeps the tests beside the code (`*_test.py`) out of the wheel; pyproject.toml holds the rest.

setuptools can exclude data files from a package (`exclude-package-data`) but not modules, so
the module list of each package is filtered here. The tests still run from the source tree.
"""

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithoutTests(build_py):
    """build_py that leaves out every module whose name ends in `_test`."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        return [(pkg, module, path) for pkg, module, path in modules
                if not module.endswith("_test")]


setup(cmdclass={"build_py": BuildPyWithoutTests})
