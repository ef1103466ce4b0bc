"""Build hook: ship the repository's ``policies/`` and ``docs/schema/`` inside the wheel.

The policies live at the repository root, where analysts edit them; the wheel needs
them inside the package (``eligibility/policies``), so ``build_py`` copies them there.
Everything else is declared in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithPolicies(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "policies"
        target = Path(self.build_lib) / "eligibility" / "policies"
        target.mkdir(parents=True, exist_ok=True)
        for policy in sorted(source.glob("*.yaml")):
            self.copy_file(str(policy), str(target / policy.name))
        # the published JSON Schemas ship with the library (eligibility.contract.schema_file)
        schemas = Path(__file__).parent / "docs" / "schema"
        target = Path(self.build_lib) / "eligibility" / "schema"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted(schemas.glob("*.json")):
            self.copy_file(str(schema), str(target / schema.name))


setup(cmdclass={"build_py": BuildWithPolicies})
