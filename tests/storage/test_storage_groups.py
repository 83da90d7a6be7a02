"""Who runs a group, on both databases: `admins()`; and a remembered leaderboard opt-out
(kept with the member's turned-off kinds while they are out of the group)."""

from __future__ import annotations

from bot.domain import Membership
from tests.storage.test_storage_members import Uow, a_group, add_member


async def test_admins_are_the_groups_admins_by_id(uow: Uow) -> None:
    ada = await add_member(uow, "Ada", "UA")
    bob = await add_member(uow, "Bob", "UB")
    cy = await add_member(uow, "Cy", "UC")
    g1, g2 = a_group("C1"), a_group("C2")
    async with uow() as u:
        await u.groups.add(g1)
        await u.groups.add(g2)
        assert g1.id and g2.id and ada.id and bob.id and cy.id
        await u.groups.join(Membership(g1.id, cy.id, is_admin=True))
        await u.groups.join(Membership(g1.id, ada.id, is_admin=True))
        await u.groups.join(Membership(g1.id, bob.id))
        await u.groups.join(Membership(g2.id, bob.id, is_admin=True))
    async with uow() as u:
        assert await u.groups.admins(g1.id) == [ada.id, cy.id]
        assert await u.groups.admins(g2.id) == [bob.id]
        await u.groups.update_membership(Membership(g1.id, ada.id, is_admin=False))
        await u.groups.leave(g2.id, bob.id)
    async with uow() as u:
        assert await u.groups.admins(g1.id) == [cy.id]
        assert await u.groups.admins(g2.id) == []


async def test_a_remembered_opt_out_round_trips(uow: Uow) -> None:
    ada = await add_member(uow, "Ada", "UA")
    assert ada.id is not None
    ada.nudges_off = frozenset({"checkin", "leaderboard:g12", "leaderboard:g3"})
    async with uow() as u:
        await u.members.update(ada)
    async with uow() as u:
        loaded = await u.members.get(ada.id)
    assert loaded is not None
    assert loaded.nudges_off == {"checkin", "leaderboard:g12", "leaderboard:g3"}
