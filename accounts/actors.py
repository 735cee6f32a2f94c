"""Who does a change to people or groups: the actor every action is called with.

The audit trail names the actor, and some rules depend on it (the console may not deactivate
someone SCIM manages; SCIM may not remove the last active admin). An actor is a value: it
never reaches into the app that made it, so `accounts` needs no import of `scim` or `sso`.
"""

from dataclasses import dataclass
from enum import StrEnum

from accounts.models import User


class ActorKind(StrEnum):
    CONSOLE = "console"  # an admin in the web console (or a person on their own profile)
    SCIM = "scim"  # a SCIM client, by the name of its token
    MICROSOFT = "microsoft"  # Sign in with Microsoft, acting for the person signing in
    SYSTEM = "system"  # commands, sign-up, seed data


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str  # what the audit trail shows
    user: User | None = None  # the person acting, when there is one

    @classmethod
    def console(cls, user: User) -> "Actor":
        return cls(ActorKind.CONSOLE, user.user_name, user)

    @classmethod
    def scim(cls, token_name: str) -> "Actor":
        return cls(ActorKind.SCIM, f"SCIM token “{token_name}”")

    @classmethod
    def microsoft(cls, user: User | None = None) -> "Actor":
        """Sign-in acting on its own (linking a member), or for `user`, the person signing
        in (the seed flow's admin)."""
        return cls(ActorKind.MICROSOFT, user.user_name if user else "Microsoft sign-in", user)

    @property
    def is_console(self) -> bool:
        return self.kind == ActorKind.CONSOLE

    @property
    def is_scim(self) -> bool:
        return self.kind == ActorKind.SCIM


SYSTEM = Actor(ActorKind.SYSTEM, "system")
