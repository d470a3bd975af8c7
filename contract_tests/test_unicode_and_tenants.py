"""Layer 4: Unicode survives a round trip, and tenants (API keys) never see each other's data.

Documented: no input gets a 5xx; ids come back byte for byte; key B cannot read key A's
stream (judged after key A has read it). Decided: topEvents/eventsByType counts, B's 404.
"""

from __future__ import annotations

import time

from .behaviour import count_in, error_checks, metrics_of, hold_decided, seeded, top_events_check
from .kit import Api, Reply, Target, event, unique
from .settle import Settler, has_viewers, nothing_stored
from .tiers import documented


def test_emoji_event_name_is_counted_in_top_events(api: Api, target: Target, settler: Settler) -> None:
    count = seeded(target, "emoji").randint(21, 34)
    name, stream = f"watch.🎉.{unique('ü')}", f"str_🎬_{unique('e')}"
    sent = [event(name, f"sess_✨_{unique('s')}", stream) for _ in range(count)] + [event("viewer.joined", f"sess_👀_{unique('s')}", stream) for _ in range(count)]
    reply = api.batch(sent)
    documented(reply.status < 500, reply.explain("no input gets a 5xx: events with emoji are processed"))
    documented(reply.status == 200 and reply.get("accepted") == len(sent), reply.explain("events with emoji names and ids are accepted"))
    seen = settler.control(lambda: api.stream(stream), has_viewers(count), since=time.time())
    documented(seen.ok, seen.explain(f"the {count} viewers with emoji session ids are counted on the emoji stream"))
    dashboard = api.dashboard(metric="topEvents")
    hold_decided(target, [top_events_check(dashboard, name, count)])


def test_unicode_stream_id_round_trips(api: Api, settler: Settler) -> None:
    stream = f"str_ünïcødé_🎬_{unique('x')}"
    reply = api.track(event("viewer.joined", unique("sess"), stream))
    documented(reply.status == 200, reply.explain("a Unicode streamId is accepted"))
    seen = settler.control(lambda: api.stream(stream), has_viewers(1), since=time.time())
    documented(seen.ok, seen.explain("the viewer of the Unicode stream is counted"))
    documented(seen.reply.get("streamId") == stream, seen.explain("the Unicode streamId comes back unchanged"))


def test_second_key_cannot_read_first_keys_stream(api: Api, second_api: Api, target: Target, settler: Settler) -> None:
    stream = unique("str_tenant")
    documented(api.track(event("viewer.joined", unique("sess"), stream)).status == 200, "key A's event is accepted")
    own = settler.control(lambda: api.stream(stream), has_viewers(1), since=time.time())
    documented(own.ok, own.explain("positive control: key A reads its stream (1 viewer)"))
    other = second_api.stream(stream)
    documented(nothing_stored(other), other.explain("key B does not see key A's stream (404, or no viewers)"))
    hold_decided(target, error_checks(other, 404, target, "another tenant's stream"))


def test_second_keys_dashboard_does_not_grow_from_first_keys_events(api: Api, second_api: Api, target: Target, settler: Settler) -> None:
    kind, stream = unique("kit_tenant"), unique("str_tenant")
    typed = seeded(target, "tenants").randint(4, 9)
    sent = api.batch([event("kit.tenant", unique("sess"), event_type=kind) for _ in range(typed)] + [event("viewer.joined", unique("sess"), stream)])
    documented(sent.status == 200, sent.explain("key A's events are accepted"))
    own = settler.control(lambda: api.stream(stream), has_viewers(1), since=time.time())
    documented(own.ok, own.explain("positive control: key A reads its stream"))
    mine = settler.check(api.dashboard, lambda r: "eventsByType" not in metrics_of(r) or count_in(r, "eventsByType", kind) == typed)
    theirs: Reply = second_api.dashboard()
    documented(theirs.status == 200, theirs.explain("key B's dashboard is served"))
    hold_decided(target, [
        (mine.ok, f"key A's eventsByType counts its {typed} events", str(count_in(mine.reply, "eventsByType", kind))),
        (count_in(theirs, "eventsByType", kind) == 0, "key B's dashboard does not count key A's events", theirs.text[:300]),
    ])
