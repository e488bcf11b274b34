#!/usr/bin/env python3
"""Checks the Conan recipe without Conan (CI has no PyPI, Debian does not package Conan).

Byte-compiles conanfile.py and test_package/conanfile.py, then loads the recipe against small
stand-ins for the `conan` modules and runs its methods, asserting what ConanCenter consumers
rely on: package type, options, requirements and their traits, Boost as a test requirement
only, the generators, and the names in package_info(): the umbrella cryptcol::cryptcol and the
components core and migration, each with its libraries and requirements. The full check, `conan create` with
stand-in dependencies, is ../shared/tools/conan-check.sh and needs a Conan 2 source tree.

    python3 .ci/check_conan_recipe.py [PROJECT_DIR]
"""

import importlib.util
import os
import py_compile
import re
import sys
import tempfile
import types

sys.dont_write_bytecode = True

PROJECT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                          os.path.join(os.path.dirname(__file__), ".."))
RECIPE = os.path.join(PROJECT, "conanfile.py")
TEST_RECIPE = os.path.join(PROJECT, "test_package", "conanfile.py")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


# --- stand-ins for the parts of the conan package a recipe imports --------------------------

class Options(dict):
    """Attribute access over a dict, like a recipe's self.options."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]

    def get_safe(self, name, default=None):
        return self.get(name, default)

    def rm_safe(self, name):
        self.pop(name, None)


class Conf(dict):
    def get(self, name, default=None, check_type=None):
        return super().get(name, default)


class Calls:
    def __init__(self):
        self.log = []


class FakeCMakeToolchain:
    instances = []

    def __init__(self, conanfile):
        self.cache_variables = {}
        self.variables = {}
        self.preprocessor_definitions = {}
        self.generated = False
        FakeCMakeToolchain.instances.append(self)

    def generate(self):
        self.generated = True


class FakeCMakeDeps:
    instances = []

    def __init__(self, conanfile):
        self.properties = {}
        self.generated = False
        FakeCMakeDeps.instances.append(self)

    def set_property(self, dep, prop, value, build_context=False):
        self.properties[(dep, prop)] = value

    def generate(self):
        self.generated = True


class FakeCMake:
    def __init__(self, conanfile):
        self.conanfile = conanfile

    def configure(self, *args, **kwargs):
        self.conanfile.calls.log.append("cmake.configure")

    def build(self, *args, **kwargs):
        self.conanfile.calls.log.append("cmake.build")

    def install(self, *args, **kwargs):
        self.conanfile.calls.log.append("cmake.install")

    def test(self, *args, **kwargs):
        self.conanfile.calls.log.append("cmake.test")


class CppInfoNode:
    def __init__(self):
        self.properties = {}
        self.libs = []
        self.requires = []
        self.system_libs = []
        self.defines = []
        self.bindirs = ["bin"]
        self.includedirs = ["include"]
        self.libdirs = ["lib"]
        self.components = _Components()

    def set_property(self, name, value):
        self.properties[name] = value

    def get_property(self, name):
        return self.properties.get(name)


class _Components(dict):
    def __missing__(self, key):
        node = CppInfoNode()
        self[key] = node
        return node


class FakeConanFile:
    """The few ConanFile attributes and methods the recipes use."""

    def __init__(self, settings_os="Linux", shared=False, skip_test=None):
        self.calls = Calls()
        self.requirements_seen = []
        self.test_requirements_seen = []
        self.tool_requirements_seen = []
        self.options = Options({k: v for k, v in getattr(self, "default_options", {}).items()
                                if "/" not in k and ":" not in k})
        if "shared" in self.options:
            self.options["shared"] = shared
        self.settings = types.SimpleNamespace(os=settings_os, arch="x86_64", build_type="Release",
                                              compiler=types.SimpleNamespace(cppstd="17"))
        self.conf = Conf()
        if skip_test is not None:
            self.conf["tools.build:skip_test"] = skip_test
        self.cpp_info = CppInfoNode()
        self.recipe_folder = PROJECT
        self.source_folder = PROJECT
        self.build_folder = "/nonexistent/build"
        self.package_folder = "/nonexistent/package"
        self.tested_reference_str = "cryptcol/0.0.0"
        self.output = types.SimpleNamespace(info=print, warning=print, warn=print)
        self.cpp = types.SimpleNamespace(build=types.SimpleNamespace(bindir="."))

    def requires(self, ref, **traits):
        self.requirements_seen.append((ref, traits))

    def test_requires(self, ref, **traits):
        self.test_requirements_seen.append((ref, traits))

    def tool_requires(self, ref, **traits):
        self.tool_requirements_seen.append((ref, traits))

    def run(self, *args, **kwargs):
        self.calls.log.append(("run", args))


def _install_fake_conan():
    def module(name, **attrs):
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        sys.modules[name] = mod
        return mod

    class ConanInvalidConfiguration(Exception):
        pass

    class ConanException(Exception):
        pass

    def cmake_layout(conanfile, *args, **kwargs):
        conanfile.calls.log.append("cmake_layout")

    def load(conanfile, path, *args, **kwargs):
        with open(path, encoding="utf-8") as f:
            return f.read()

    def record(name):
        def fn(conanfile, *args, **kwargs):
            conanfile.calls.log.append((name, args, kwargs))
        return fn

    module("conan", ConanFile=FakeConanFile)
    module("conan.errors", ConanInvalidConfiguration=ConanInvalidConfiguration,
           ConanException=ConanException)
    module("conan.tools")
    module("conan.tools.build", check_min_cppstd=record("check_min_cppstd"),
           can_run=lambda conanfile: True)
    module("conan.tools.cmake", CMake=FakeCMake, CMakeDeps=FakeCMakeDeps,
           CMakeToolchain=FakeCMakeToolchain, cmake_layout=cmake_layout)
    module("conan.tools.files", copy=record("copy"), load=load, rmdir=record("rmdir"),
           rm=record("rm"), save=record("save"))
    module("conan.tools.scm", Version=str)
    module("conan.tools.env", VirtualRunEnv=object, VirtualBuildEnv=object)


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, FakeConanFile) and v is not FakeConanFile]
    if len(classes) != 1:
        raise SystemExit(f"{path}: expected one ConanFile subclass, found {len(classes)}")
    return mod, classes[0]


class _Dependency:
    def __init__(self, name, options=None, dependencies=()):
        self.ref = types.SimpleNamespace(name=name)
        self.options = Options(options or {})
        self.dependencies = {dep.ref.name: dep for dep in dependencies}


def _soci(brings_sqlite3):
    deps = [_Dependency("sqlite3"), _Dependency("libpq")] if brings_sqlite3 else []
    return _Dependency("soci", {"with_sqlite3": True, "with_postgresql": True}, deps)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate((RECIPE, TEST_RECIPE)):
            py_compile.compile(path, cfile=os.path.join(tmp, f"{i}.pyc"), doraise=True)

    _install_fake_conan()
    mod, Recipe = _load(RECIPE, "cryptcol_recipe")

    # Class attributes.
    check(Recipe.name == "cryptcol", "name is not cryptcol")
    check(Recipe.package_type == "library", "package_type must be 'library'")
    check(Recipe.license == "Apache-2.0", "license must be Apache-2.0")
    check(set(Recipe.settings) == {"os", "arch", "compiler", "build_type"},
          "settings must be os, arch, compiler, build_type")
    opts = Recipe.options
    for opt in ("shared", "fPIC"):
        check(opts.get(opt) == [True, False], f"option {opt} must be [True, False]")
    defaults = Recipe.default_options
    check(defaults.get("shared") is False, "shared must default to False")
    check(defaults.get("fPIC") is True, "fPIC must default to True")
    for backend in ("with_sqlite3", "with_postgresql"):
        check(defaults.get(f"soci/*:{backend}") is True,
              f"default_options must set soci/*:{backend}=True")
    check(re.match(r">=\s*2", getattr(mod, "required_conan_version", "")) is not None,
          "required_conan_version must ask for Conan 2")
    check("auto_shared_fpic" in getattr(Recipe, "implements", []) or
          hasattr(Recipe, "config_options"), "fPIC must be removed for shared/Windows builds")

    # Version from the header.
    header = open(os.path.join(PROJECT, "include", "cryptcol", "version.hpp"), encoding="utf-8").read()
    want = ".".join(re.search(rf"#define CRYPTCOL_VERSION_{p} (\d+)", header).group(1)
                    for p in ("MAJOR", "MINOR", "PATCH"))
    recipe = Recipe()
    if hasattr(recipe, "set_version"):
        recipe.set_version()
    check(getattr(recipe, "version", None) == want,
          f"recipe version {getattr(recipe, 'version', None)} != version.hpp {want}")

    # Requirements and their traits.
    recipe.requirements()
    reqs = {ref.split("/")[0]: (ref, traits) for ref, traits in recipe.requirements_seen}
    expected = {"soci": "soci/4.0.3", "cryptopp": "cryptopp/8.7.0", "fmt": "fmt/9.1.0",
                "nlohmann_json": "nlohmann_json/3.11.2"}
    for name, ref in expected.items():
        check(name in reqs and reqs[name][0] == ref, f"requires must include {ref}")
    check(set(reqs) == set(expected), f"unexpected requirements: {sorted(set(reqs) - set(expected))}")
    if "soci" in reqs:
        check(reqs["soci"][1].get("transitive_headers") is True,
              "soci must be required with transitive_headers=True (public headers include it)")
    if "fmt" in reqs:
        check(not reqs["fmt"][1].get("transitive_headers"),
              "fmt must stay private (only the opt-in cryptcol/fmt.hpp includes it)")
    if "nlohmann_json" in reqs:
        check(reqs["nlohmann_json"][1].get("visible") is False,
              "nlohmann_json must be required with visible=False (header-only, private)")
    if "cryptopp" in reqs:
        check(not reqs["cryptopp"][1].get("transitive_headers"),
              "cryptopp must stay private (no public header includes it)")

    # Boost only as a test requirement.
    for skip in (None, True, False):
        r = Recipe(skip_test=skip)
        if hasattr(r, "build_requirements"):
            r.build_requirements()
        check(not any(ref.startswith("boost/") for ref, _ in r.tool_requirements_seen),
              "boost must not be a tool requirement")
        boost = [ref for ref, _ in r.test_requirements_seen if ref.startswith("boost/")]
        if skip is False:
            check(boost == ["boost/1.74.0"], "tests enabled: boost/1.74.0 must be a test_requires")
    check("boost" not in reqs, "boost must not be a regular requirement")

    # layout() and generate().
    r = Recipe()
    r.layout()
    check("cmake_layout" in r.calls.log, "layout() must call cmake_layout")
    r.dependencies = {"soci": _soci(brings_sqlite3=True)}
    FakeCMakeToolchain.instances.clear()
    FakeCMakeDeps.instances.clear()
    r.generate()
    check(len(FakeCMakeToolchain.instances) == 1 and FakeCMakeToolchain.instances[0].generated,
          "generate() must create and generate a CMakeToolchain")
    check(len(FakeCMakeDeps.instances) == 1 and FakeCMakeDeps.instances[0].generated,
          "generate() must create and generate a CMakeDeps")
    if FakeCMakeDeps.instances:
        props = FakeCMakeDeps.instances[0].properties
        check(props.get(("soci::soci_core", "cmake_target_name")) == "SOCI::soci_core",
              "generate() must map static soci's SOCI::soci_core_static to SOCI::soci_core")
    if FakeCMakeToolchain.instances:
        cache = FakeCMakeToolchain.instances[0].cache_variables
        check(cache.get("CRYPTCOL_BUILD_BENCHMARKS") is False, "benchmarks must be off in Conan builds")

    # package_info() names, shared and static, with ConanCenter's soci (which brings sqlite3)
    # and with a soci wrapping the system's libraries (which does not).
    for shared in (False, True):
        r = Recipe(shared=shared)
        r.dependencies = {"soci": _soci(brings_sqlite3=True)}
        r.package_info()
        check(not any("sqlite3" in c.system_libs for c in r.cpp_info.components.values()),
              "sqlite3 must come from soci's graph when soci brings it, not the system")
        r = Recipe(shared=shared)
        r.dependencies = {"soci": _soci(brings_sqlite3=False)}
        r.package_info()
        check("sqlite3" in r.cpp_info.components["migration"].system_libs,
              "a soci without a sqlite3 package needs the system's sqlite3 (the library calls it)")
        info = r.cpp_info
        check(info.get_property("cmake_file_name") == "cryptcol", "cmake_file_name must be cryptcol")
        check(info.get_property("cmake_target_name") == "cryptcol::cryptcol",
              "the umbrella's cmake_target_name must be cryptcol::cryptcol")
        check(info.get_property("pkg_config_name") == "cryptcol",
              "the umbrella's pkg_config_name must be cryptcol")
        check(info.libs == [] and info.requires == [],
              "the umbrella has no library of its own: libs and requires go in the components")
        check(set(info.components) == {"core", "migration"},
              f"components must be core and migration, not {sorted(info.components)}")
        core, migration = info.components["core"], info.components["migration"]
        for name, comp in (("core", core), ("migration", migration)):
            check(comp.get_property("cmake_target_name") == f"cryptcol::{name}",
                  f"component {name}: cmake_target_name must be cryptcol::{name}")
            check(comp.get_property("pkg_config_name") == f"cryptcol-{name}",
                  f"component {name}: pkg_config_name must be cryptcol-{name}")
            check(comp.libs == [f"cryptcol_{name}"], f"component {name}: libs must be ['cryptcol_{name}']")
            check(not any(req.startswith(("boost", "nlohmann_json")) for req in comp.requires),
                  f"component {name} must not require boost or nlohmann_json")
        check(set(core.requires) == {"soci::soci_core", "cryptopp::cryptopp"},
              f"core must require soci::soci_core and cryptopp::cryptopp only, not {core.requires}")
        for req in ("core", "soci::soci_core", "fmt::fmt", "soci::soci_sqlite3",
                    "soci::soci_postgresql"):
            check(req in migration.requires, f"migration requires must include {req}")
        check("cryptopp::cryptopp" not in migration.requires,
              "migration must get Crypto++ through core, not require it itself")
        check("sqlite3" not in core.system_libs, "core must not link the system's sqlite3")
        # Conan's own rule (check_component_requires): every visible direct requirement is
        # used by some component.
        used = {req.split("::")[0] for c in info.components.values() for req in c.requires
                if "::" in req}
        visible = {name for name, (_, traits) in reqs.items() if traits.get("visible", True)}
        check(used == visible, f"components use {sorted(used)}, the visible requirements are "
                               f"{sorted(visible)}")

    # test_package in ConanCenter's layout.
    _, TestRecipe = _load(TEST_RECIPE, "cryptcol_test_package")
    generators = set(getattr(TestRecipe, "generators", ()))
    check({"CMakeDeps", "CMakeToolchain"} <= generators,
          "test_package must use the CMakeDeps and CMakeToolchain generators")
    t = TestRecipe()
    t.requirements()
    check([ref for ref, _ in t.requirements_seen] == [t.tested_reference_str],
          "test_package must require only tested_reference_str")
    check(hasattr(TestRecipe, "test"), "test_package must define test()")
    cml = open(os.path.join(PROJECT, "test_package", "CMakeLists.txt"), encoding="utf-8").read()
    check(re.search(r"find_package\(\s*cryptcol\b[^)]*\bCONFIG\b", cml) is not None,
          "test_package/CMakeLists.txt must find_package(cryptcol ... CONFIG)")
    check("cryptcol::cryptcol" in cml, "test_package/CMakeLists.txt must link cryptcol::cryptcol")
    sources = [f for f in os.listdir(os.path.join(PROJECT, "test_package")) if f.endswith(".cpp")]
    check(sources == ["test_package.cpp"], "test_package must hold exactly one source, test_package.cpp")

    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    print(f"conan recipe ok: cryptcol/{want}, components core migration, "
          f"requires {', '.join(sorted(expected.values()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
