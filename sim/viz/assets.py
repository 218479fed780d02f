"""Solara's front-end files in a local cache, so the browser view works without internet.

Solara's page loads its JavaScript, CSS and fonts from a public CDN through the server
(``/_solara/cdn/<package>@<version>/<file>``). The server first looks for each file in its
proxy cache folder, ``<cache>/<package>@<version>/<file>``, and only fetches what is missing.
This module fills that cache ahead of time, from the npm registry (``npm pack`` of the exact
versions the installed Solara asks for) or, without npm, from the PyPI package
``solara-assets`` when one exists for the installed Solara version. The packages are read from
the installed Solara's page template, so an upgrade of Solara asks for the right versions.

Run ``python -m sim.viz.assets`` to fill the cache (``setup.sh`` does), ``--check`` to only
report what is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: The project's asset cache (ignored by git).
PROJECT_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "solara-assets"
#: Environment variable of Solara's proxy cache folder; when set, it wins over the project's.
CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"

# A CDN package in the page template, e.g. {{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/...
_TEMPLATE_PACKAGE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/")
# Solara's default Font Awesome stylesheet, e.g. "/font-awesome@4.5.0/css/font-awesome.min.css"
_FONTAWESOME = re.compile(r'fontawesome_path: str = "/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/')


class AssetError(RuntimeError):
    """The asset cache could not be filled; the message says what the view needs."""


def cache_dir() -> Path:
    """The asset cache the server uses: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or the project's."""
    return Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else PROJECT_CACHE


def _solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")  # locate without importing (no side effects)
    if spec is None or spec.origin is None:
        raise AssetError("solara is not installed; run ./setup.sh")
    return Path(spec.origin).parent


def required_packages() -> list[str]:
    """The npm packages (``name@version``) Solara's page loads through its CDN proxy.

    Read from the installed Solara: its page template (the Vue 3 app when ipyvue 3 is
    installed, the Vue 2 app otherwise), RequireJS, and the Font Awesome stylesheet.
    """
    root = _solara_dir()
    template = (root / "server" / "templates" / "solara.html.j2").read_text(encoding="utf-8")
    settings = (root / "server" / "settings.py").read_text(encoding="utf-8")
    vue3 = int(version("ipyvue").split(".")[0]) >= 3
    unused_app = "solara-vuetify-app@" if vue3 else "solara-vuetify3-app@"
    packages = [p for p in _TEMPLATE_PACKAGE.findall(template) if unused_app not in p]
    packages += _FONTAWESOME.findall(settings)
    if not packages:
        raise AssetError(f"found no CDN packages in Solara {solara_version()}'s page template")
    return sorted(set(packages))


def solara_version() -> str:
    """The installed Solara version."""
    try:
        return version("solara")
    except PackageNotFoundError:
        raise AssetError("solara is not installed; run ./setup.sh") from None


def missing(cache: Path | None = None) -> list[str]:
    """Required packages not yet in ``cache`` (default: :func:`cache_dir`)."""
    cache = cache_dir() if cache is None else cache
    return [p for p in required_packages() if not (cache / p / "package.json").is_file()]


def fill(cache: Path | None = None, log=print) -> list[str]:
    """Put every missing package into ``cache``.

    Returns:
        The packages fetched, each with where it came from (empty when none was missing).

    Raises:
        AssetError: some packages could not be fetched; the message says what to do.
    """
    cache = cache_dir() if cache is None else cache
    todo = missing(cache)
    if not todo:
        return []
    cache.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm:
        for package in todo:
            log(f"  npm pack {package}")
            _unpack_npm(npm, package, cache)
        return [f"{p} (npm)" for p in todo]
    try:
        _copy_from_solara_assets(todo, cache, log)
    except AssetError as err:
        raise AssetError(
            f"the browser view (clustersim viz) needs Solara's front-end files "
            f"({', '.join(todo)}) in {cache}. npm was not found, and {err}. Install npm "
            "(e.g. apt-get install npm) and run ./setup.sh again; or run the view with internet "
            "access, where Solara fetches the files itself. Everything else works without them."
        ) from None
    return [f"{p} (solara-assets)" for p in todo]


def _install(source_dir: Path, package: str, cache: Path) -> None:
    """Move an unpacked package into the cache in one rename, so a half-copied package never
    looks complete."""
    target = cache / package
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    os.replace(source_dir, target)


def _unpack_npm(npm: str, package: str, cache: Path) -> None:
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        try:
            out = subprocess.run(
                [npm, "pack", package, "--json", "--pack-destination", tmp, "--loglevel=error"],
                check=True, capture_output=True, text=True, timeout=300, cwd=tmp)
        except subprocess.CalledProcessError as err:
            raise AssetError(f"npm pack {package} failed: {err.stderr.strip()[-500:]}") from None
        except subprocess.TimeoutExpired:
            raise AssetError(f"npm pack {package} took more than 5 minutes") from None
        filename = json.loads(out.stdout)[0]["filename"]
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(Path(tmp) / Path(filename).name) as tar:
            members = []
            for member in tar.getmembers():  # npm tarballs hold one top folder (package/)
                parts = member.name.split("/", 1)
                if len(parts) == 2 and parts[1]:
                    member.name = parts[1]
                    members.append(member)
            tar.extractall(unpacked, members=members, filter="data")
        _install(unpacked, package, cache)


def _copy_from_solara_assets(packages: Sequence[str], cache: Path, log) -> None:
    """Take the packages from the ``solara-assets`` distribution of the installed Solara's
    version (its files are the CDN folders under ``cdn/``)."""
    wanted = solara_version()
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        log(f"  pip download solara-assets=={wanted}")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp,
             f"solara-assets=={wanted}"], capture_output=True, text=True, timeout=600)
        files = list(Path(tmp).glob("solara_assets-*"))
        if result.returncode != 0 or not files:
            raise AssetError(f"PyPI has no solara-assets {wanted} matching the installed solara")
        folder = Path(tmp) / "extracted"
        _extract_archive(files[0], folder)
        for package in packages:
            found = [p for p in folder.glob(f"**/cdn/{package}") if p.is_dir()]
            if not found:
                raise AssetError(f"solara-assets {wanted} has no {package}")
            _install(found[0], package, cache)


def _extract_archive(path: Path, folder: Path) -> None:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
    else:
        with tarfile.open(path) as archive:
            archive.extractall(folder, filter="data")


def main(argv: Sequence[str] | None = None) -> int:
    """Fill (or with ``--check`` only inspect) the asset cache. Returns the exit code: 0 when
    the cache is complete, 1 when packages are missing."""
    parser = argparse.ArgumentParser(prog="python -m sim.viz.assets", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report missing packages")
    args = parser.parse_args(argv)
    cache = cache_dir()
    try:
        if args.check:
            todo = missing(cache)
            for package in todo:
                print(f"missing: {cache / package}")
            return 1 if todo else 0
        fetched = fill(cache)
    except AssetError as err:
        print(f"browser view assets: {err}", file=sys.stderr)
        return 1
    if fetched:
        print(f"browser view assets: cached {', '.join(fetched)} in {cache}")
    else:
        print(f"browser view assets: ready ({cache})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
