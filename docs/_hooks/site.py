"""MkDocs hook: puts into the site what lives outside docs/, without copying it into git.

- the README is the home page (its links into docs/ and tutorials/ are rewritten to the site's);
- tutorials/README.md is the course's index and every tutorials/*.ipynb a page of the course,
  rendered by mkdocs-jupyter from its stored outputs;
- one API reference page per public module of tinysnn (a module whose dotted path has no part
  starting with "_"), generated at build time, so a new module appears without editing anything.

The nav in mkdocs.yml names "tutorials/index.md" and "api/index.md"; this hook puts the notebooks
after the first and the module pages after the second.
"""

import json
import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tinysnn"


def public_modules():
    """Dotted names of tinysnn's public modules and packages, sorted; packages end in '.'."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if path.name == "__init__.py":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts) or "__pycache__" in path.parts:
            continue
        names.append(".".join(parts) + ("." if path.name == "__init__.py" else ""))
    return sorted(names, key=lambda n: n.rstrip(".").split("."))


def api_path(name):
    """tinysnn.nn.lif -> api/nn/lif.md; a package, tinysnn.nn. -> api/nn/index.md."""
    parts = name.rstrip(".").split(".")[1:]
    return "/".join(["api", *parts]) + ("/index.md" if name.endswith(".") else ".md")


def api_page(name, modules):
    """The page of one module (its docstring and members) or package (its docstring and a list
    of its modules); mkdocstrings writes the module's heading, so links to it resolve."""
    dotted = name.rstrip(".")
    if not name.endswith("."):
        return f"::: {dotted}\n"
    here = Path(api_path(name)).parent
    children = [m for m in modules if m != name and m.rstrip(".").rsplit(".", 1)[0] == dotted]
    links = "\n".join(f"- [`{c.rstrip('.')}`]({Path(api_path(c)).relative_to(here)})"
                      for c in children)
    return f"::: {dotted}\n    options:\n      members: false\n\n## Modules\n\n{links}\n"


def api_nav(modules, package="tinysnn."):
    """The nav of a package: its own page first (a section index), then its modules and packages."""
    entries = [api_path(package)]
    for name in modules:
        parent = name.rstrip(".").rsplit(".", 1)[0]
        if name == package or parent != package.rstrip("."):
            continue
        short = name.rstrip(".").rsplit(".", 1)[1]
        entries.append({short: api_nav(modules, name)} if name.endswith(".")
                       else {short: api_path(name)})
    return entries


def notebooks():
    return sorted((ROOT / "tutorials").glob("*.ipynb"))


def notebook_title(path):
    """The notebook's first Markdown heading, else its file name."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def _expand_nav(nav, modules):
    """Replace 'tutorials/index.md' and 'api/index.md' in the nav by their whole sections."""
    out = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        title = next(iter(item)) if isinstance(item, dict) else None
        if value == "tutorials/index.md":
            section = ["tutorials/index.md"] + [
                {notebook_title(nb): f"tutorials/{nb.name}"} for nb in notebooks()]
            out.append({title or "The course": section})
        elif value == "api/index.md":
            out.append({title or "API reference": api_nav(modules)})
        elif isinstance(value, list):
            out.append({title: _expand_nav(value, modules)})
        else:
            out.append(item)
    return out


def on_config(config):
    config.nav = _expand_nav(config.nav, public_modules())
    return config


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files, config):
    files.append(File.generated(config, "index.md", abs_src_path=str(ROOT / "README.md")))
    files.append(File.generated(config, "tutorials/index.md",
                                abs_src_path=str(ROOT / "tutorials" / "README.md")))
    for nb in notebooks():  # a plain File: mkdocs-jupyter's wrapper reads its src_dir
        files.append(File(f"tutorials/{nb.name}", src_dir=str(ROOT), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    modules = public_modules()
    for name in modules:
        files.append(File.generated(config, api_path(name), content=api_page(name, modules)))
    return files


README_LINK = re.compile(r"\]\((docs/|tutorials/README\.md)")


def on_page_markdown(markdown, page, config, files):
    """The README's links are written for GitHub (docs/x.md); in the site it is docs/ itself."""
    if page.file.src_uri == "index.md":
        return README_LINK.sub(
            lambda m: "](" + ("" if m.group(1) == "docs/" else "tutorials/index.md"), markdown)
    return markdown
