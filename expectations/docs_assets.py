"""Local copies of the JavaScript, CSS and fonts GX Data Docs load from CDNs, so the docs work offline.

GX Core 1.x renders every Data Docs page with `<script>`/`<link>` tags pointing at jsDelivr, unpkg,
cdnjs, code.jquery.com, the Bootstrap CDNs and an S3 bucket for the logo: on a ministry network without
internet the index is unstyled and its validation list (a bootstrap-table filled by JavaScript) empty.

`make install` runs `python -m expectations.docs_assets install` once: it downloads the exact versions
those pages reference from the npm registry (`npm pack`) and keeps only the files the pages load, under
`.tools/gx-assets/` (nothing fetched is committed). After every Data Docs build the runner calls
`localize(docs_dir)`: the assets are copied to `<docs_dir>/static/vendor/` and each page's CDN URLs are
rewritten to relative paths (the GX logo to the images GX itself copies to `static/images/`)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# npm package (exact version) -> {path inside the package: path under the vendor folder}
PACKAGES: dict[str, dict[str, str]] = {
    "jquery@3.7.1": {"dist/jquery.min.js": "jquery/jquery.min.js"},
    "popper.js@1.12.9": {"dist/umd/popper.min.js": "popper.js/popper.min.js"},
    "bootstrap@4.3.1": {"dist/js/bootstrap.min.js": "bootstrap/js/bootstrap.min.js",
                        "dist/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css"},
    "bootstrap-table@1.19.1": {
        "dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
        "dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
            "bootstrap-table/bootstrap-table-filter-control.min.js",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
            "bootstrap-table/bootstrap-table-filter-control.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.css":
            "bootstrap-table/bootstrap-table-filter-control.css"},
    "bootstrap-datepicker@1.9.0": {
        "dist/js/bootstrap-datepicker.min.js": "bootstrap-datepicker/bootstrap-datepicker.min.js",
        "dist/css/bootstrap-datepicker.min.css": "bootstrap-datepicker/bootstrap-datepicker.min.css"},
    "@forevolve/bootstrap-dark@1.1.0": {
        "dist/css/bootstrap-prefers-dark.css": "bootstrap-dark/bootstrap-prefers-dark.css"},
    # the newest releases of the majors the templates load (`vega@5`, `vega-lite@5`, `vega-embed@6`)
    "vega@5.33.1": {"build/vega.min.js": "vega/vega.min.js"},
    "vega-lite@5.23.0": {"build/vega-lite.min.js": "vega/vega-lite.min.js"},
    "vega-embed@6.29.0": {"build/vega-embed.min.js": "vega/vega-embed.min.js"},
    "@fortawesome/fontawesome-free@6.6.0": {"css/all.min.css": "fontawesome/css/all.min.css",
                                            "webfonts/": "fontawesome/webfonts/"},
}

# the URLs in GX's templates (great_expectations/render/view/templates/*.j2) -> the vendored file
URLS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/bootstrap-table-filter-control.min.js",
    # the templates ask for the 1.19.0 stylesheet of the extension beside the 1.19.1 table: serve 1.19.1's
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/bootstrap-table-filter-control.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
}
GX_IMAGES_URL = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
VENDOR_SUBDIR = Path("static") / "vendor"
MARKER = ".installed"

# Subresource integrity and CORS mode make a browser refuse a file:// script; the files are local now.
_SRI = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')


class AssetsMissing(RuntimeError):
    pass


def assets_dir() -> Path:
    """Where `install` put the files: `SMARTCITY_GX_ASSETS_DIR`, else `<project>/.tools/gx-assets`."""
    env = os.environ.get("SMARTCITY_GX_ASSETS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".tools" / "gx-assets"


def installed(directory: Path | None = None) -> bool:
    directory = directory or assets_dir()
    marker = directory / MARKER
    return (marker.exists() and marker.read_text().split() == list(PACKAGES)
            and all((directory / rel).exists() for rel in set(URLS.values())))


def install(directory: Path | None = None, npm: str | None = None) -> Path:
    """Download the pinned npm packages with `npm pack` and keep the files Data Docs load. `npm` is the
    command (split on spaces; default env SMARTCITY_NPM, else `npm`)."""
    import shlex

    directory = Path(directory or assets_dir())
    command = shlex.split(npm or os.environ.get("SMARTCITY_NPM") or "npm")
    if installed(directory):
        (directory / MARKER).touch()      # up to date for make
        return directory
    staging = Path(tempfile.mkdtemp(prefix=".gx-assets-", dir=directory.parent if directory.parent.exists()
                                    else None))
    try:
        packs = staging / "packs"
        packs.mkdir()
        subprocess.run([*command, "pack", "--silent", "--pack-destination", str(packs), *PACKAGES],
                       check=True, stdout=subprocess.DEVNULL)
        tarballs = sorted(packs.glob("*.tgz"))
        if len(tarballs) != len(PACKAGES):
            raise AssetsMissing(f"npm pack produced {len(tarballs)} tarballs for {len(PACKAGES)} packages")
        out = staging / "assets"
        for spec, files in PACKAGES.items():
            tarball = packs / _tarball_name(spec)
            with tarfile.open(tarball) as tar:
                members = tar.getmembers()
                for inner, target in files.items():
                    chosen = [m for m in members if m.isfile() and (
                        m.name == f"package/{inner}" or inner.endswith("/") and m.name.startswith(f"package/{inner}"))]
                    if not chosen:
                        raise AssetsMissing(f"{inner} not found in {spec}")
                    for member in chosen:
                        rel = member.name[len(f"package/{inner}"):] if inner.endswith("/") else ""
                        dest = out / target / rel if rel else out / target
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        with tar.extractfile(member) as src, open(dest, "wb") as dst:
                            shutil.copyfileobj(src, dst)
        (out / MARKER).write_text("\n".join(PACKAGES) + "\n")
        if directory.exists():
            shutil.rmtree(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _tarball_name(spec: str) -> str:
    name, version = spec.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def localize(docs_dir: Path, source: Path | None = None) -> int:
    """Copy the vendored assets into `<docs_dir>/static/vendor/` and point every page of the site at them.
    Returns the number of pages rewritten. Raises AssetsMissing when `install` has not run."""
    docs_dir = Path(docs_dir)
    source = Path(source or assets_dir())
    if not installed(source):
        raise AssetsMissing(f"the Data Docs assets are not installed in {source}: run `make install` "
                            "(or `python -m expectations.docs_assets install`)")
    vendor = docs_dir / VENDOR_SUBDIR
    if not (vendor / MARKER).exists() or (vendor / MARKER).read_text() != (source / MARKER).read_text():
        shutil.rmtree(vendor, ignore_errors=True)
        shutil.copytree(source, vendor)
    rewritten = 0
    for page in docs_dir.rglob("*.html"):
        if VENDOR_SUBDIR.as_posix() in page.relative_to(docs_dir).as_posix():
            continue
        text = page.read_text(encoding="utf-8")
        new = rewrite(text, Path(os.path.relpath(docs_dir, page.parent)).as_posix())
        if new != text:
            page.write_text(new, encoding="utf-8")
            rewritten += 1
    return rewritten


def rewrite(html: str, to_root: str) -> str:
    """Replace the CDN URLs of one page; `to_root` is the relative path from the page to the site root."""
    prefix = "" if to_root in ("", ".") else to_root.rstrip("/") + "/"
    for url in sorted(URLS, key=len, reverse=True):
        local = f"{prefix}{VENDOR_SUBDIR.as_posix()}/{URLS[url]}"
        html = html.replace(f'"{url}"', f'"{local}"')
    html = html.replace(GX_IMAGES_URL, f"{prefix}static/images/")
    return re.sub(r"<(script|link)\b[^>]*>", lambda m: _SRI.sub("", m.group(0)), html)


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        target = install(Path(argv[1]) if len(argv) > 1 else None)
        print(f"GX Data Docs assets in {target}")
        return 0
    print("usage: python -m expectations.docs_assets install [DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
