"""The screens of the kiosk, one module each. The engine looks them up here by name."""
from .attract import AttractScene
from .player import PlayerScene

SCENES = {scene.name: scene for scene in (AttractScene, PlayerScene)}
