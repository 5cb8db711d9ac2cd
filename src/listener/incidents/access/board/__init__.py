"""The incident page for the crisis team, served by the worker's API under ``/board``."""

from listener.incidents.access.board.auth import Sessions
from listener.incidents.access.board.routes import Board, BoardRoutes

__all__ = ["Board", "BoardRoutes", "Sessions"]
