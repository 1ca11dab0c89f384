"""Distributed frame store on a real redis-server: monotonic seq across restarts, bounded replay, region dedupe."""
from web.streaming import RedisFrameStore, make_frame

RUN_ID = "5b0e3c1e-0000-4000-8000-000000000001"


def frame(step_from: int, step_to: int, value: float = 1.0) -> dict:
    region = {"load_mw": [value + i for i in range(step_from, step_to)]}
    return make_frame(RUN_ID, step_from, step_to, region, {"power_mw": [value]}, {"status": "running"})


def test_seq_is_monotonic_and_survives_a_new_worker_process(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=50)
    assert [store.append(RUN_ID, frame(i, i + 1))["seq"] for i in range(3)] == [1, 2, 3]
    store.release(RUN_ID)
    restarted = RedisFrameStore(redis_server.url, buffer_size=50)
    assert restarted.last_seq(RUN_ID) == 3
    assert restarted.append(RUN_ID, frame(3, 4))["seq"] == 4


def test_frames_after_replays_exactly_the_missed_frames(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=50)
    sent = [store.append(RUN_ID, frame(i * 2, i * 2 + 2)) for i in range(5)]
    assert store.frames_after(RUN_ID, 2) == sent[2:]
    assert store.frames_after(RUN_ID, 5) == []
    assert store.frames_after(RUN_ID, 9) is None  # a client ahead of the store gets a snapshot instead
    assert store.frames_after(RUN_ID, 0) == sent


def test_replay_beyond_the_bounded_buffer_reports_incomplete(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=10)
    for i in range(300):
        store.append(RUN_ID, frame(i, i + 1))
    length = store.client.xlen(f"twin:run:{RUN_ID}:frames")
    assert length < 300  # trimmed (MAXLEN ~ trims whole stream nodes)
    assert store.frames_after(RUN_ID, 1) is None
    assert [f["seq"] for f in store.frames_after(RUN_ID, 295)] == [296, 297, 298, 299, 300]


def test_state_merges_region_chunks_and_dedupes_re_emitted_steps(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=50)
    store.append(RUN_ID, frame(0, 4))
    store.append(RUN_ID, frame(4, 6))
    store.append(RUN_ID, frame(3, 5))  # a resumed worker re-emits steps 3..4 after its checkpoint
    store.append(RUN_ID, make_frame(RUN_ID, 5, 5, {}, {}, {"status": "paused"}))
    state = store.state(RUN_ID)
    assert state.seq == 4
    assert state.region == {"load_mw": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    assert state.last_frame["run"]["status"] == "paused"


def test_release_drops_only_the_region(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=10)
    store.append(RUN_ID, frame(0, 2))
    store.release(RUN_ID)
    state = store.state(RUN_ID)
    assert state.region == {} and state.seq == 1 and state.last_frame["seq"] == 1


def test_seq_stays_monotonic_when_redis_lost_its_data(redis_server):
    store = RedisFrameStore(redis_server.url, buffer_size=50)
    last = [store.append(RUN_ID, frame(i, i + 1)) for i in range(5)][-1]["seq"]
    store.client.flushall()  # a restarted redis-server without persistence
    assert store.append(RUN_ID, frame(5, 6), floor=last)["seq"] == last + 1
