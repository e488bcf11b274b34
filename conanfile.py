import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.1"


class CryptcolConan(ConanFile):
    name = "cryptcol"
    description = ("Application-level AES-256-GCM column encryption and zero-downtime "
                   "migrations for SOCI")
    license = "Apache-2.0"
    url = "https://github.com/cryptcol/cryptcol"
    homepage = "https://github.com/cryptcol/cryptcol"
    topics = ("encryption", "aes-gcm", "soci", "database", "column-encryption", "migration")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "with_sqlite3": [True, False],
        "with_postgresql": [True, False],
        "with_cli": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "with_sqlite3": True,
        "with_postgresql": True,
        "with_cli": True,
        # The library links SOCI's backends for their factories (see with_sqlite3 and
        # with_postgresql above); ConanCenter's soci builds none by default.
        "soci/*:with_sqlite3": True,
        "soci/*:with_postgresql": True,
    }
    # Removes fPIC on Windows and for shared builds (no configure() here, which would
    # replace this behaviour).
    implements = ["auto_shared_fpic"]
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "src/*", "tests/*")

    @property
    def _min_cppstd(self):
        return 17

    @property
    def _build_tests(self):
        # Opt in with -c tools.build:skip_test=False; the suites need Boost.Test.
        return self.conf.get("tools.build:skip_test", check_type=bool) is False

    def set_version(self):
        # include/cryptcol/version.hpp is the single source of the version.
        header = load(self, os.path.join(self.recipe_folder, "include", "cryptcol", "version.hpp"))
        parts = [re.search(rf"#define CRYPTCOL_VERSION_{part} (\d+)", header).group(1)
                 for part in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Public headers include SOCI, and users call it directly.
        self.requires("soci/4.0.3", transitive_headers=True, transitive_libs=True)
        # Private to the migration component (the fmt::formatter is the opt-in header
        # cryptcol/fmt.hpp): a static build passes the library on, the headers never.
        self.requires("fmt/9.1.0")
        # Private to the core component: no Crypto++ header is reachable from a public header.
        self.requires("cryptopp/8.7.0")
        # Header-only and used inside the library only: consumers never need it.
        self.requires("nlohmann_json/3.11.2", visible=False)

    def build_requirements(self):
        if self._build_tests:
            self.test_requires("boost/1.74.0")

    def validate(self):
        check_min_cppstd(self, self._min_cppstd)
        soci = self.dependencies["soci"].options
        for backend in ("with_sqlite3", "with_postgresql"):
            if self.options.get_safe(backend) and not soci.get_safe(backend):
                raise ConanInvalidConfiguration(
                    f"{self.ref} needs soci/*:{backend}=True when {backend}=True")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["CRYPTCOL_WITH_SQLITE3"] = bool(self.options.with_sqlite3)
        tc.cache_variables["CRYPTCOL_WITH_POSTGRESQL"] = bool(self.options.with_postgresql)
        tc.cache_variables["CRYPTCOL_BUILD_CLI"] = bool(self.options.with_cli)
        tc.cache_variables["CRYPTCOL_BUILD_TESTS"] = self._build_tests
        tc.cache_variables["CRYPTCOL_BUILD_EXAMPLES"] = False
        tc.cache_variables["CRYPTCOL_BUILD_BENCHMARKS"] = False
        tc.cache_variables["CRYPTCOL_BUILD_FUZZERS"] = False
        tc.cache_variables["CRYPTCOL_INSTALL"] = True
        tc.generate()

        deps = CMakeDeps(self)
        # ConanCenter's static soci names its targets SOCI::soci_<x>_static, the shared one
        # SOCI::soci_<x>. The toolchain makes find_package() prefer CMakeDeps' config over
        # cmake/FindSOCI.cmake (which maps both), so give the targets their plain names here.
        for component in ("soci_core", "soci_sqlite3", "soci_postgresql"):
            deps.set_property(f"soci::{component}", "cmake_target_name", f"SOCI::{component}")
        deps.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if self._build_tests:
            # The unit suites need no database server.
            self.run("ctest --output-on-failure -L unit", cwd=self.build_folder, env="conanrun")

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan consumers get the package from package_info() below, not from these files.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_info(self):
        # The root is the umbrella cryptcol::cryptcol (cryptcol.pc), linking both components.
        self.cpp_info.set_property("cmake_file_name", "cryptcol")
        self.cpp_info.set_property("cmake_target_name", "cryptcol::cryptcol")
        self.cpp_info.set_property("pkg_config_name", "cryptcol")
        system_libs = ["pthread", "m"] if self.settings.os in ("Linux", "FreeBSD") else []

        # cryptcol::core: envelope, key ring, cipher, EncryptedString.
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "cryptcol::core")
        core.set_property("pkg_config_name", "cryptcol-core")
        core.libs = ["cryptcol_core"]
        # ConanCenter names: soci::soci_core is the component behind SOCI::soci_core
        # (SOCI::soci_core_static for a static soci).
        core.requires = ["soci::soci_core", "cryptopp::cryptopp"]
        core.system_libs = list(system_libs)

        # cryptcol::migration: dual-write, steps and engine, on top of core.
        migration = self.cpp_info.components["migration"]
        migration.set_property("cmake_target_name", "cryptcol::migration")
        migration.set_property("pkg_config_name", "cryptcol-migration")
        migration.libs = ["cryptcol_migration"]
        migration.requires = ["core", "soci::soci_core", "fmt::fmt"]
        if self.options.with_sqlite3:
            migration.requires.append("soci::soci_sqlite3")
        if self.options.with_postgresql:
            migration.requires.append("soci::soci_postgresql")
        migration.system_libs = list(system_libs)
        # The library calls SQLite's C API on SOCI's connection handle. ConanCenter's soci
        # brings sqlite3 through soci::soci_sqlite3; a soci that wraps the system's libraries
        # has no sqlite3 package behind it, so name the system library.
        if self.options.with_sqlite3 and not self._soci_brings("sqlite3"):
            migration.system_libs.append("sqlite3")

    def _soci_brings(self, name):
        soci = self.dependencies["soci"]
        return any(dep.ref.name == name for dep in soci.dependencies.values())
