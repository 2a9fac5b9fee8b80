#!/usr/bin/env python3
"""The size of the acws binary in each release archive, as a Markdown table for the release notes:
    scripts/binary_sizes.py FOLDER
FOLDER holds the release's acws-<version>-<rid>.tar.gz / .zip archives (.github/workflows/release.yml). A binary
over the 8 MiB budget (issue 17) is marked in the table and named on stderr; the exit code is 0 either way,
since the size is reported, not enforced, at release time (.ci/run enforces it for linux-x64 on every push).
Exit 2 when the folder has no archive or an archive has no acws binary in it."""
import os
import sys
import tarfile
import zipfile

BUDGET = 8 * 1024 * 1024


def binary_size(path):
    """(member name, size in bytes) of the acws binary inside one archive."""
    if path.endswith(".tar.gz"):
        with tarfile.open(path, "r:gz") as archive:
            members = [(m.name, m.size) for m in archive.getmembers() if m.isfile()]
    else:
        with zipfile.ZipFile(path) as archive:
            members = [(i.filename, i.file_size) for i in archive.infolist() if not i.is_dir()]
    found = [(name, size) for name, size in members if os.path.basename(name) in ("acws", "acws.exe")]
    if len(found) != 1:
        raise ValueError(f"{os.path.basename(path)}: expected one acws binary, found {len(found)}")
    return found[0]


def main(argv):
    if len(argv) != 2:
        print("usage: scripts/binary_sizes.py FOLDER", file=sys.stderr)
        return 2
    folder = argv[1]
    archives = sorted(f for f in os.listdir(folder) if f.startswith("acws-") and f.endswith((".tar.gz", ".zip")))
    if not archives:
        print(f"binary_sizes: no acws-*.tar.gz or acws-*.zip in {folder}", file=sys.stderr)
        return 2
    rows = []
    for name in archives:
        try:
            member, size = binary_size(os.path.join(folder, name))
        except (ValueError, OSError, tarfile.TarError, zipfile.BadZipFile) as e:
            print(f"binary_sizes: {e}", file=sys.stderr)
            return 2
        over = size > BUDGET
        if over:
            print(f"binary_sizes: {name}: {os.path.basename(member)} is {size:,} bytes, over the 8 MiB budget", file=sys.stderr)
        rows.append(f"| {name} | {os.path.basename(member)} | {size:,} | {size / 1048576:.2f} MiB{' (over 8 MiB)' if over else ''} |")
    print("Binary sizes (the budget is 8 MiB):")
    print()
    print("| archive | binary | bytes | |")
    print("| --- | --- | ---: | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
