from .models import User


def dashboard_for(*, user: User) -> dict:
    """Context for the signed-in home page. Each app adds its panel here."""
    return {"dashboard_user": user}
