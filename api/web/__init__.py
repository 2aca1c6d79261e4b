"""Server-rendered pages: the public programme, the coordinators' portal, the organisers'
overview.  zh-CN first; `?lang=en` for English."""

from fastapi import APIRouter

from api.web import live, portal, portal_day, public
from api.web.render import assets

router = APIRouter(include_in_schema=False)
router.include_router(assets)
router.include_router(public.router)
router.include_router(portal.router)
router.include_router(portal_day.router)
router.include_router(live.router)
