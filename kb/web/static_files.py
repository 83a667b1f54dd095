"""Static files: this app's (`static/`) and those of the npm packages it serves."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from kb.web.pages import NODE_MODULES, STATIC_DIR, VENDOR_FILES

router = APIRouter()


@router.get("/static/vendor/{name:path}", include_in_schema=False)
def vendor_file(name: str) -> Response:
    target = VENDOR_FILES.get(name)
    path = NODE_MODULES / target if target else None
    if path is None or not path.is_file():
        raise HTTPException(404, f"no asset /static/vendor/{name} (run make web-assets)")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name:path}", include_in_schema=False)
def static_file(name: str) -> Response:
    root = STATIC_DIR.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, f"no asset /static/{name}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
