#!/usr/bin/python3
"""Checks that every library of src/segpipe links and includes only the layers below it.

The allowed dependencies are the table in src/segpipe/LAYERS.txt. A library's files are the
sources its CMakeLists.txt lists (add_library, target_sources) and their headers; a header with
no source of its own belongs to the first library of its folder. Two checks, one message per
violation:
  - links: every segpipe_* library named in a target_link_libraries() of a library;
  - includes: every #include "segpipe/..." of a library file (tests and test helpers excepted).

  scripts/check_layering.py [ROOT]     (ROOT: the repository root, default: this script's ..)
Exit status 0 when the layering holds, 1 with the violations on stderr otherwise.
"""
import os
import re
import sys

TEST_FILE = re.compile(r"(_test\.cc|_testutil\.h|_test_util\.h|^test_models\.h)$")


def read_table(path):
    allowed = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if ":" not in line:
                sys.exit(f"{path}:{number}: expected 'library: allowed libraries'")
            lib, deps = line.split(":", 1)
            allowed[lib.strip()] = set(deps.split())
    return allowed


def cmake_calls(text, command):
    for m in re.finditer(command + r"\s*\(([^)]*)\)", text):
        body = re.sub(r"#[^\n]*", "", m.group(1))
        yield body.split()


def scan(root, allowed):
    src = os.path.join(root, "src")
    file_lib = {}    # "segpipe/device/foo" (no extension) -> library
    folder_lib = {}  # "segpipe/device" -> its first library
    links = []       # (library, linked library, CMakeLists path)
    for folder, _, files in sorted(os.walk(os.path.join(src, "segpipe"))):
        if "CMakeLists.txt" not in files:
            continue
        cmake = os.path.join(folder, "CMakeLists.txt")
        rel_folder = os.path.relpath(folder, src)
        with open(cmake, encoding="utf-8") as f:
            text = f.read()
        for args in cmake_calls(text, "add_library"):
            folder_lib.setdefault(rel_folder, args[0])
            for s in args[1:]:
                if s.endswith(".cc"):
                    file_lib[os.path.join(rel_folder, s[:-3])] = args[0]
        for args in cmake_calls(text, "target_sources"):
            for s in args[1:]:
                if s.endswith(".cc"):
                    file_lib[os.path.join(rel_folder, s[:-3])] = args[0]
        for args in cmake_calls(text, "target_link_libraries"):
            for dep in args[1:]:
                if dep.startswith("segpipe_"):
                    links.append((args[0], dep, os.path.relpath(cmake, root)))

    def owner(rel_path):  # "segpipe/device/internal/foo.h" -> library, or None
        stem, _ = os.path.splitext(rel_path.replace("/internal/", "/"))
        if stem in file_lib:
            return file_lib[stem]
        folder = os.path.dirname(rel_path)
        while folder and folder not in folder_lib:
            folder = os.path.dirname(folder)
        return folder_lib.get(folder)

    errors = []

    def check(lib, dep, where, what):
        if lib not in allowed or dep == lib or dep not in allowed:
            return  # a library the table does not list (tests, tools, helpers) is not a layer
        if dep not in allowed[lib]:
            errors.append(f"{where}: {what}, but {lib} may not depend on {dep} "
                          f"(src/segpipe/LAYERS.txt)")

    for lib, dep, where in links:
        check(lib, dep, where, f"{lib} links {dep}")
    include = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"(segpipe/[^"]+)"', re.M)
    for folder, _, files in sorted(os.walk(os.path.join(src, "segpipe"))):
        for name in sorted(files):
            if not name.endswith((".cc", ".h")) or TEST_FILE.search(name):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, src)
            stem = os.path.splitext(rel)[0]
            if name.endswith(".cc") and stem not in file_lib:
                continue  # not part of a library (a tool or test source)
            lib = owner(rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in include.finditer(text):
                dep = owner(m.group(1))
                if dep is not None:
                    line = text.count("\n", 0, m.start()) + 1
                    check(lib, dep, f"{os.path.relpath(path, root)}:{line}",
                          f"includes {m.group(1)}")
    for lib in allowed:
        if lib not in set(file_lib.values()):
            errors.append(f"src/segpipe/LAYERS.txt: {lib} is not a library of src/segpipe")
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    allowed = read_table(os.path.join(root, "src", "segpipe", "LAYERS.txt"))
    errors = scan(root, allowed)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    print(f"layering holds: {len(allowed)} libraries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
