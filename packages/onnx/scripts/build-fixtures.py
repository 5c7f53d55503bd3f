#!/usr/bin/env python3
"""Builds the tiny random-weight model folders in packages/onnx/test/fixtures.

Each folder is laid out like an onnx-community / Xenova repository (config.json,
generation_config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx) so that
@huggingface/transformers loads it, and each exercises one convention of real exports:

  llama-gqa        Llama: RMSNorm, RoPE, SwiGLU, grouped-query attention (4 query / 2 KV heads),
                   SentencePiece-style tokenizer (Metaspace + byte fallback, BOS added by the
                   post-processor), Llama-2 chat template; dtypes fp32 and q8 (dynamic int8:
                   DynamicQuantizeLinear + MatMulInteger).
  llama-gqa-draft  a one-layer model with the same tokenizer (draft for speculative decoding);
                   fp32 and q8.
  qwen2            Qwen2: q/k/v biases, explicit head_dim (24, not hidden/heads = 16),
                   num_logits_to_keep input, byte-level BPE with ChatML template and a list of
                   eos ids; dtypes fp32, fp16 (float16 weights, KV cache and logits) and q4
                   (MatMulNBits, 4-bit blocks of 32).
  gemma-nopos      a Gemma-style export with no position_ids input (positions from the mask
                   inside the graph), multi-query attention (1 KV head), explicit head_dim.
  gpt2-legacy      GPT-2 as pre-2023 exports: no position_ids (positions = past length + i),
                   learned position embeddings, a use_cache_branch input, byte-level BPE.

Needs Debian's python3-torch (1.13) and python3-onnx; run from the repository root:
    nice -n 19 /usr/bin/python3 packages/onnx/scripts/build-fixtures.py
The output is deterministic (fixed seeds) and committed, so tests need no Python.

    /usr/bin/python3 packages/onnx/scripts/build-fixtures.py --bench-llama DIR
builds instead, into DIR, the ~25M-parameter random-weight Llama of the onnx package's
Llama benchmark (not committed).
"""

import json
import math
import os
import re
import shutil
import sys
from collections import Counter

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
OPSET = 17

CORPUS = """
The quick brown fox jumps over the lazy dog. A model reads a prompt and writes an answer.
Question: what is 12 plus 30? Answer: 42. Question: what is 7 times 6? The answer is 42.
Small language models run on a laptop; they decode one token at a time with a key value cache.
Hello world! How are you today? I am fine, thank you. {"name": "Ada", "age": 36, "ok": true}
Once upon a time there was a tiny model that could count: one, two, three, four, five.
def add(a, b):
    return a + b
print(add(2, 3))
"""


# ----------------------------------------------------------------------------------------------
# Tokenizers
# ----------------------------------------------------------------------------------------------

def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(
        range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_bpe(words, merges_wanted):
    """Plain BPE over a Counter of words given as tuples of symbols; returns the merges."""
    words = Counter({tuple(word): count for word, count in words.items()})
    merges = []
    for _ in range(merges_wanted):
        pairs = Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda item: (item[1], item[0]))[0]
        merges.append(best)
        merged = Counter()
        for word, count in words.items():
            out = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    return merges


def added(token_id, content, special=True):
    return {'id': token_id, 'content': content, 'single_word': False, 'lstrip': False,
            'rstrip': False, 'normalized': False, 'special': special}


def byte_level_tokenizer():
    """A GPT-2 / Qwen style byte-level BPE: 256 byte symbols, 120 merges, 3 special tokens."""
    table = bytes_to_unicode()
    pieces = re.findall(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]+|\s+", CORPUS)
    words = Counter(''.join(table[b] for b in piece.encode('utf-8')) for piece in pieces)
    words = Counter({tuple(word): count for word, count in words.items()})
    merges = train_bpe(words, 120)
    vocab = {}
    for b in range(256):
        vocab[table[b]] = len(vocab)
    for left, right in merges:
        if left + right not in vocab:
            vocab[left + right] = len(vocab)
    specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
    added_tokens = [added(len(vocab) + index, token) for index, token in enumerate(specials)]
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added_tokens,
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True,
                          'use_regex': True},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False,
                           'use_regex': True},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True,
                    'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None,
                  'continuing_subword_prefix': '', 'end_of_word_suffix': '', 'fuse_unk': False,
                  'byte_fallback': False, 'ignore_merges': False, 'vocab': vocab,
                  'merges': [f'{left} {right}' for left, right in merges]},
    }
    ids = {token['content']: token['id'] for token in added_tokens}
    return tokenizer, len(vocab) + len(specials), ids


def sentencepiece_tokenizer():
    """A Llama-2 / Gemma style BPE over `▁`-marked text with byte fallback (<0x0A> is byte 10),
    BOS added by a TemplateProcessing post-processor, and chat-turn special tokens."""
    vocab = {'<unk>': 0, '<s>': 1, '</s>': 2}
    for b in range(256):
        vocab[f'<0x{b:02X}>'] = len(vocab)
    text = '▁' + CORPUS.replace('\n', ' ').replace(' ', '▁')
    # Leave some characters out of the base vocabulary so that they need the byte fallback.
    alphabet = sorted(set(text) - set('{}:;"(),!?\n'))
    for character in alphabet:
        vocab[character] = len(vocab)
    words = Counter(tuple(word) for word in re.findall(r'▁[^▁]*', text))
    words = Counter({tuple(c for c in word if c in vocab): count for word, count in words.items()})
    merges = train_bpe(words, 120)
    for left, right in merges:
        if left + right not in vocab:
            vocab[left + right] = len(vocab)
    specials = ['<start_of_turn>', '<end_of_turn>']
    added_tokens = [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')] + [
        added(len(vocab) + index, token) for index, token in enumerate(specials)]
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added_tokens,
        'normalizer': None,
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'first',
                          'split': False},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}},
                       {'Sequence': {'id': 'A', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}},
                     {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '<s>', 'type_id': 1}},
                     {'Sequence': {'id': 'B', 'type_id': 1}}],
            'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}},
        },
        'decoder': {'type': 'Sequence', 'decoders': [
            {'type': 'Replace', 'pattern': {'String': '▁'}, 'content': ' '},
            {'type': 'ByteFallback'},
            {'type': 'Fuse'},
            {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0},
        ]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>',
                  'continuing_subword_prefix': None, 'end_of_word_suffix': None,
                  'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
                  'vocab': vocab, 'merges': [f'{left} {right}' for left, right in merges]},
    }
    ids = {token['content']: token['id'] for token in added_tokens}
    return tokenizer, len(vocab) + len(specials), ids


LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}"
    "{% set messages = messages[1:] %}{% else %}{% set system = false %}{% endif %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "{% if loop.index0 == 0 and system %}{{ bos_token + '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + message['content'] | trim + ' [/INST]' }}"
    "{% else %}{{ bos_token + '[INST] ' + message['content'] | trim + ' [/INST]' }}{% endif %}"
    "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}"
    "{% endif %}{% endfor %}"
)
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "<start_of_turn>{{ role }}\n{{ message['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------

class RMSNorm(torch.nn.Module):
    def __init__(self, size, gemma=False):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(size) * 0.1 + (0.0 if gemma else 1.0))
        self.gemma = gemma

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        return x * (1.0 + self.weight if self.gemma else self.weight)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, h, kv, hd = c['hidden'], c['heads'], c['kv_heads'], c['head_dim']
        bias = c['family'] == 'qwen2'
        gpt2 = c['family'] == 'gpt2'
        self.q = torch.nn.Linear(d, h * hd, bias=bias or gpt2)
        self.k = torch.nn.Linear(d, kv * hd, bias=bias or gpt2)
        self.v = torch.nn.Linear(d, kv * hd, bias=bias or gpt2)
        self.o = torch.nn.Linear(h * hd, d, bias=gpt2)
        if gpt2:
            self.norm1 = torch.nn.LayerNorm(d)
            self.norm2 = torch.nn.LayerNorm(d)
            self.up = torch.nn.Linear(d, c['intermediate'])
            self.down = torch.nn.Linear(c['intermediate'], d)
        else:
            gemma = c['family'] == 'gemma'
            self.norm1 = RMSNorm(d, gemma)
            self.norm2 = RMSNorm(d, gemma)
            self.gate = torch.nn.Linear(d, c['intermediate'], bias=False)
            self.up = torch.nn.Linear(d, c['intermediate'], bias=False)
            self.down = torch.nn.Linear(c['intermediate'], d, bias=False)

    def forward(self, x, allowed, cos, sin, past_k, past_v):
        c = self.c
        b, s = x.shape[0], x.shape[1]
        h, kv, hd = c['heads'], c['kv_heads'], c['head_dim']
        y = self.norm1(x)
        q = self.q(y).view(b, s, h, hd).transpose(1, 2)
        k = self.k(y).view(b, s, kv, hd).transpose(1, 2)
        v = self.v(y).view(b, s, kv, hd).transpose(1, 2)
        if cos is not None:
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        # Grouped-query attention without repeating the cache: [b, kv, group, s, t].
        group = h // kv
        qg = q.reshape(b, kv, group, s, hd)
        scores = torch.matmul(qg, k.unsqueeze(2).transpose(-1, -2)) / math.sqrt(hd)
        scores = scores.masked_fill(~allowed.unsqueeze(1).unsqueeze(1),
                                    torch.finfo(torch.float32).min)
        weights = torch.softmax(scores, dim=-1)
        out = torch.matmul(weights, v.unsqueeze(2)).reshape(b, h, s, hd)
        out = out.transpose(1, 2).reshape(b, s, h * hd)
        x = x + self.o(out)
        y = self.norm2(x)
        if c['family'] == 'gpt2':
            y = self.down(torch.nn.functional.gelu(self.up(y), approximate='tanh'))
        elif c['family'] == 'gemma':
            y = self.down(torch.nn.functional.gelu(self.gate(y), approximate='tanh') * self.up(y))
        else:
            y = self.down(torch.nn.functional.silu(self.gate(y)) * self.up(y))
        return x + y, k, v


class TinyDecoder(torch.nn.Module):
    """inputs: input_ids, attention_mask, [position_ids], [num_logits_to_keep], past k/v per layer.
    outputs: logits, present k/v per layer."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = torch.nn.Embedding(c['vocab'], c['hidden'])
        if c['family'] == 'gpt2':
            self.positions = torch.nn.Embedding(c['max_positions'], c['hidden'])
            self.final = torch.nn.LayerNorm(c['hidden'])
        else:
            self.final = RMSNorm(c['hidden'], c['family'] == 'gemma')
        self.blocks = torch.nn.ModuleList([Block(c) for _ in range(c['layers'])])
        self.head = None if c['tie'] else torch.nn.Linear(c['hidden'], c['vocab'], bias=False)
        hd = c['head_dim']
        self.register_buffer('inv_freq', 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd)),
                             persistent=False)

    def forward(self, input_ids, attention_mask, position_ids, keep, *past):
        c = self.c
        b, s = input_ids.shape[0], input_ids.shape[1]
        past_len = past[0].shape[2]
        total = attention_mask.shape[1]
        x = self.embed(input_ids)
        if c['family'] == 'gemma':
            x = x * (c['hidden'] ** 0.5)
            # No position_ids input: positions = cumsum(mask) - 1 of the last s columns.
            cum = torch.cumsum(attention_mask, dim=-1) - 1
            cum = cum.masked_fill(attention_mask == 0, 1)
            position_ids = cum[:, total - s:]
        elif c['family'] == 'gpt2':
            # Legacy GPT-2: positions continue from the cache length, whatever the mask says.
            position_ids = (torch.arange(s) + past_len).unsqueeze(0).expand(b, s)
            x = x + self.positions(position_ids)
        cos = sin = None
        if c['family'] != 'gpt2':
            freqs = position_ids.unsqueeze(-1).float() * self.inv_freq
            emb = torch.cat((freqs, freqs), dim=-1)
            cos = emb.cos().unsqueeze(1)
            sin = emb.sin().unsqueeze(1)
        query_pos = torch.arange(s) + past_len
        key_pos = torch.arange(total)
        causal = key_pos.unsqueeze(0) <= query_pos.unsqueeze(1)  # [s, t]
        allowed = causal.unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)  # [b, s, t]
        presents = []
        for index, block in enumerate(self.blocks):
            x, k, v = block(x, allowed, cos, sin, past[2 * index], past[2 * index + 1])
            presents += [k, v]
        x = self.final(x)
        if keep is not None:
            # num_logits_to_keep: 0 keeps every row, k keeps the last k.
            start = torch.remainder(s - keep, s)
            x = x.index_select(1, torch.arange(start, s))
        logits = x @ self.embed.weight.t() if self.head is None else self.head(x)
        return (logits, *presents)


def export(c, path):
    torch.manual_seed(c['seed'])
    model = TinyDecoder(c).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if 'norm' in name or 'final' in name:
                # Distinct norm weights, so that the exporter cannot merge equal initializers.
                parameter.add_(torch.randn_like(parameter) * 0.05)
            else:
                scale = 0.35 if 'embed' in name or 'positions' in name else 0.2
                if 'init_scale' in c:
                    scale = c['init_scale']
                if c['family'] == 'gemma' and 'embed' in name:
                    scale = 0.35 / math.sqrt(c['hidden'])  # Gemma multiplies embeddings by sqrt(d)
                parameter.normal_(0.0, scale)
    layers, kv, hd = c['layers'], c['kv_heads'], c['head_dim']
    b, s, p = 2, 3, 4
    input_ids = torch.randint(0, c['vocab'], (b, s))
    mask = torch.ones(b, p + s, dtype=torch.int64)
    past = []
    for _ in range(layers):
        past += [torch.randn(b, kv, p, hd), torch.randn(b, kv, p, hd)]
    names = ['input_ids', 'attention_mask']
    args = [input_ids, mask]
    position_ids = None
    if c['position_ids']:
        position_ids = torch.arange(p, p + s).unsqueeze(0).expand(b, s).contiguous()
        names.append('position_ids')
    keep = torch.tensor(1, dtype=torch.int64) if c['keep'] else None
    if c['keep']:
        names.append('num_logits_to_keep')
    past_names = []
    present_names = []
    for layer in range(layers):
        past_names += [f'past_key_values.{layer}.key', f'past_key_values.{layer}.value']
        present_names += [f'present.{layer}.key', f'present.{layer}.value']
    dynamic = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
               'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
               'logits': {0: 'batch_size', 1: 'sequence_length'}}
    if c['position_ids']:
        dynamic['position_ids'] = {0: 'batch_size', 1: 'sequence_length'}
    for name in past_names:
        dynamic[name] = {0: 'batch_size', 2: 'past_sequence_length'}
    for name in present_names:
        dynamic[name] = {0: 'batch_size', 2: 'total_sequence_length'}

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            inputs = list(inputs)
            ids, attention = inputs[0], inputs[1]
            rest = inputs[2:]
            pos = rest.pop(0) if c['position_ids'] else None
            k = rest.pop(0) if c['keep'] else None
            return self.model(ids, attention, pos, k, *rest)

    full_args = tuple(args + ([position_ids] if c['position_ids'] else []) +
                      ([keep] if c['keep'] else []) + past)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(Wrapper(), full_args, path, input_names=names + past_names,
                      output_names=['logits'] + present_names, dynamic_axes=dynamic,
                      opset_version=OPSET, do_constant_folding=True)
    graph = onnx.load(path)
    if c.get('use_cache_branch'):
        # Legacy merged decoders declare a boolean use_cache_branch input; in this graph both
        # branches are the same computation, so the input is declared and unused.
        graph.graph.input.insert(2, helper.make_tensor_value_info('use_cache_branch',
                                                                  TensorProto.BOOL, [1]))
    onnx.save(graph, path)
    params = sum(parameter.numel() for parameter in model.parameters())
    return params


# ----------------------------------------------------------------------------------------------
# Graph rewrites for other dtypes
# ----------------------------------------------------------------------------------------------

def matmul_weights(graph):
    """(index, node, weight) of every MatMul whose second input is a 2-D initializer."""
    inits = {init.name: init for init in graph.initializer}
    for index, node in enumerate(graph.node):
        if node.op_type == 'MatMul' and node.input[1] in inits:
            weight = numpy_helper.to_array(inits[node.input[1]])
            if weight.ndim == 2:
                yield index, node, weight


def quantize_q8(source, target):
    """Dynamic int8 quantization as onnxruntime's quantize_dynamic writes it: activations to
    uint8 with DynamicQuantizeLinear, int8 weights (per-tensor symmetric), MatMulInteger."""
    model = onnx.load(source)
    graph = model.graph
    new_nodes = []
    replaced = {}
    for index, node, weight in list(matmul_weights(graph)):
        base = node.input[1]
        scale = float(np.abs(weight).max() / 127.0) or 1.0
        quantized = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
        graph.initializer.extend([
            numpy_helper.from_array(quantized, base + '_quantized'),
            numpy_helper.from_array(np.array(scale, dtype=np.float32), base + '_scale'),
            numpy_helper.from_array(np.array(0, dtype=np.int8), base + '_zero_point'),
        ])
        a = node.input[0]
        out = node.output[0]
        tag = node.name or out
        replaced[index] = [
            helper.make_node('DynamicQuantizeLinear', [a], [f'{tag}_aq', f'{tag}_as', f'{tag}_az']),
            helper.make_node('MatMulInteger', [f'{tag}_aq', base + '_quantized', f'{tag}_az',
                                               base + '_zero_point'], [f'{tag}_int']),
            helper.make_node('Cast', [f'{tag}_int'], [f'{tag}_float'], to=TensorProto.FLOAT),
            helper.make_node('Mul', [f'{tag}_as', base + '_scale'], [f'{tag}_s']),
            helper.make_node('Mul', [f'{tag}_float', f'{tag}_s'], [out]),
        ]
    for index, node in enumerate(graph.node):
        new_nodes += replaced.get(index, [node])
    del graph.node[:]
    graph.node.extend(new_nodes)
    drop_unused_initializers(graph)
    onnx.save(model, target)


def quantize_q4(source, target, block=32):
    """4-bit block quantization with com.microsoft MatMulNBits (as the q4 files of
    onnx-community repositories): per block of 32 inputs a float scale and a 4-bit zero point."""
    model = onnx.load(source)
    graph = model.graph
    replaced = {}
    for index, node, weight in list(matmul_weights(graph)):
        k, n = weight.shape
        if k % block != 0:
            continue
        blocks = k // block
        w = weight.T.reshape(n, blocks, block)  # [N, blocks, block]
        low = np.minimum(w.min(axis=2), 0.0)
        high = np.maximum(w.max(axis=2), 0.0)
        scale = (high - low) / 15.0
        scale[scale == 0] = 1.0
        zero = np.clip(np.round(-low / scale), 0, 15).astype(np.uint8)
        q = np.clip(np.round(w / scale[..., None]) + zero[..., None], 0, 15).astype(np.uint8)
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # [N, blocks, block/2]
        zero_flat = zero.reshape(n, blocks)
        if blocks % 2:
            zero_flat = np.concatenate([zero_flat, np.zeros((n, 1), np.uint8)], axis=1)
        zero_packed = (zero_flat[:, 0::2] | (zero_flat[:, 1::2] << 4)).astype(np.uint8).reshape(-1)
        base = node.input[1]
        graph.initializer.extend([
            numpy_helper.from_array(packed, base + '_Q4'),
            numpy_helper.from_array(scale.astype(np.float32).reshape(-1), base + '_scales'),
            numpy_helper.from_array(zero_packed, base + '_zp'),
        ])
        replaced[index] = helper.make_node(
            'MatMulNBits', [node.input[0], base + '_Q4', base + '_scales', base + '_zp'],
            [node.output[0]], name=(node.name or node.output[0]) + '_Q4', domain='com.microsoft',
            K=k, N=n, bits=4, block_size=block)
    nodes = [replaced.get(index, node) for index, node in enumerate(graph.node)]
    del graph.node[:]
    graph.node.extend(nodes)
    model.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    drop_unused_initializers(graph)
    onnx.save(model, target)


def to_fp16_io(source, target):
    """A float16 file: float16 weights (cast up at use), float16 past/present KV tensors and
    float16 logits, which is what onnxruntime sees of an fp16 export's interface."""
    model = onnx.load(source)
    graph = model.graph
    prefix = []
    for init in list(graph.initializer):
        if init.data_type == TensorProto.FLOAT and len(init.dims) >= 1:
            array = numpy_helper.to_array(init)
            init.CopyFrom(numpy_helper.from_array(array.astype(np.float16), init.name + '_fp16'))
            prefix.append(helper.make_node('Cast', [init.name], [init.name[:-5]],
                                           to=TensorProto.FLOAT))
    for value in graph.input:
        if value.name.startswith('past_key_values'):
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
            prefix.append(helper.make_node('Cast', [value.name], [value.name + '_f32'],
                                           to=TensorProto.FLOAT))
            for node in graph.node:
                for index, name in enumerate(node.input):
                    if name == value.name:
                        node.input[index] = value.name + '_f32'
    suffix = []
    for value in graph.output:
        value.type.tensor_type.elem_type = TensorProto.FLOAT16
        for node in graph.node:
            for index, name in enumerate(node.output):
                if name == value.name:
                    node.output[index] = value.name + '_f32'
        for node in graph.node:
            for index, name in enumerate(node.input):
                if name == value.name:
                    node.input[index] = value.name + '_f32'
        suffix.append(helper.make_node('Cast', [value.name + '_f32'], [value.name],
                                       to=TensorProto.FLOAT16))
    nodes = prefix + list(graph.node) + suffix
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, target)


def drop_unused_initializers(graph):
    used = {name for node in graph.node for name in node.input}
    keep = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)


# ----------------------------------------------------------------------------------------------
# Folders
# ----------------------------------------------------------------------------------------------

def write_json(path, data):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write('\n')


def build(name, c, tokenizer, tokenizer_config, config, generation_config, dtypes=()):
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, 'onnx'))
    fp32 = os.path.join(folder, 'onnx', 'model.onnx')
    params = export(c, fp32)
    for dtype in dtypes:
        if dtype == 'q8':
            quantize_q8(fp32, os.path.join(folder, 'onnx', 'model_quantized.onnx'))
        elif dtype == 'q4':
            quantize_q4(fp32, os.path.join(folder, 'onnx', 'model_q4.onnx'))
        elif dtype == 'fp16':
            to_fp16_io(fp32, os.path.join(folder, 'onnx', 'model_fp16.onnx'))
    write_json(os.path.join(folder, 'config.json'), config)
    write_json(os.path.join(folder, 'generation_config.json'), generation_config)
    write_json(os.path.join(folder, 'tokenizer.json'), tokenizer)
    write_json(os.path.join(folder, 'tokenizer_config.json'), tokenizer_config)
    return {'parameters': params, 'dtypes': ['fp32', *dtypes]}


def build_hybrid(tokenizer, vocab):
    """An LFM2-style folder whose graph has a convolution cache (past_conv.0) beside the KV
    cache: not supported, so loading must fail with a clear error. The graph only wires inputs
    to outputs (a few hundred bytes); it is never run."""
    folder = os.path.join(ROOT, 'unsupported-hybrid')
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, 'onnx'))
    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'sequence_length']),
              helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch_size', 'total_sequence_length']),
              helper.make_tensor_value_info('past_conv.0', f, ['batch_size', 64, 3]),
              helper.make_tensor_value_info('past_key_values.1.key', f, ['batch_size', 2, 'past_sequence_length', 16]),
              helper.make_tensor_value_info('past_key_values.1.value', f, ['batch_size', 2, 'past_sequence_length', 16])]
    outputs = [helper.make_tensor_value_info('logits', f, ['batch_size', 'sequence_length', vocab]),
               helper.make_tensor_value_info('present_conv.0', f, ['batch_size', 64, 3]),
               helper.make_tensor_value_info('present.1.key', f, ['batch_size', 2, 'total_sequence_length', 16]),
               helper.make_tensor_value_info('present.1.value', f, ['batch_size', 2, 'total_sequence_length', 16])]
    nodes = [helper.make_node('Cast', ['input_ids'], ['ids_float'], to=f),
             helper.make_node('Unsqueeze', ['ids_float', 'axis'], ['ids_3d']),
             helper.make_node('Expand', ['ids_3d', 'logits_shape'], ['logits']),
             helper.make_node('Identity', ['past_conv.0'], ['present_conv.0']),
             helper.make_node('Identity', ['past_key_values.1.key'], ['present.1.key']),
             helper.make_node('Identity', ['past_key_values.1.value'], ['present.1.value'])]
    initializers = [numpy_helper.from_array(np.array([2], dtype=np.int64), 'axis'),
                    numpy_helper.from_array(np.array([1, 1, vocab], dtype=np.int64), 'logits_shape')]
    graph = helper.make_graph(nodes, 'hybrid', inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, 'onnx', 'model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'model_type': 'lfm2', 'vocab_size': vocab, 'hidden_size': 64, 'num_hidden_layers': 2,
        'num_attention_heads': 4, 'num_key_value_heads': 2,
        'layer_types': ['conv', 'full_attention'], 'eos_token_id': 2})
    write_json(os.path.join(folder, 'tokenizer.json'), tokenizer)


def build_bench_llama(folder):
    """A random-weight Llama of ~25M parameters (8 layers, hidden 512, 8 query / 4 KV heads of
    64, SwiGLU 1536, RoPE, RMSNorm) with the fixtures' SentencePiece tokenizer, for the speed
    comparison in bench/llama-comparison.bench.mjs. Built at bench time into `folder`, never
    committed (about 100 MB of float32 weights)."""
    sp, sp_size, _ = sentencepiece_tokenizer()
    hidden, layers, heads, kv_heads, head_dim, intermediate = 512, 8, 8, 4, 64, 1536
    c = {'family': 'llama', 'hidden': hidden, 'layers': layers, 'heads': heads,
         'kv_heads': kv_heads, 'head_dim': head_dim, 'intermediate': intermediate,
         'max_positions': 1024, 'position_ids': True, 'keep': False, 'tie': False, 'seed': 51,
         'vocab': sp_size, 'init_scale': 0.02}
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, 'onnx'))
    params = export(c, os.path.join(folder, 'onnx', 'model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': sp_size,
        'hidden_size': hidden, 'intermediate_size': intermediate, 'num_hidden_layers': layers,
        'num_attention_heads': heads, 'num_key_value_heads': kv_heads, 'head_dim': head_dim,
        'max_position_embeddings': 1024, 'rms_norm_eps': 1e-6, 'rope_theta': 10000.0,
        'tie_word_embeddings': False, 'bos_token_id': 1, 'eos_token_id': 2, 'hidden_act': 'silu',
        'torch_dtype': 'float32'})
    write_json(os.path.join(folder, 'generation_config.json'), {'bos_token_id': 1, 'eos_token_id': 2})
    write_json(os.path.join(folder, 'tokenizer.json'), sp)
    write_json(os.path.join(folder, 'tokenizer_config.json'), {
        'add_bos_token': True, 'add_eos_token': False, 'bos_token': '<s>', 'eos_token': '</s>',
        'unk_token': '<unk>', 'pad_token': None, 'clean_up_tokenization_spaces': False,
        'legacy': False, 'model_max_length': 1024, 'tokenizer_class': 'LlamaTokenizer'})
    print(json.dumps({'folder': folder, 'parameters': params}))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--bench-llama':
        build_bench_llama(os.path.abspath(sys.argv[2]))
        return 0
    sp, sp_size, sp_ids = sentencepiece_tokenizer()
    bl, bl_size, bl_ids = byte_level_tokenizer()
    manifest = {}

    def base(family, **extra):
        c = {'family': family, 'hidden': 64, 'layers': 2, 'heads': 4, 'kv_heads': 2,
             'head_dim': 16, 'intermediate': 128, 'max_positions': 256, 'position_ids': True,
             'keep': False, 'tie': False, 'seed': 1}
        c.update(extra)
        return c

    sp_config = {'add_bos_token': True, 'add_eos_token': False, 'bos_token': '<s>',
                 'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': None,
                 'clean_up_tokenization_spaces': False, 'legacy': False,
                 'model_max_length': 256, 'tokenizer_class': 'LlamaTokenizer'}

    # Llama with grouped-query attention.
    c = base('llama', vocab=sp_size, seed=11)
    manifest['llama-gqa'] = build(
        'llama-gqa', c, sp, {**sp_config, 'chat_template': LLAMA2_TEMPLATE},
        {'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': sp_size,
         'hidden_size': 64, 'intermediate_size': 128, 'num_hidden_layers': 2,
         'num_attention_heads': 4, 'num_key_value_heads': 2, 'max_position_embeddings': 256,
         'rms_norm_eps': 1e-6, 'rope_theta': 10000.0, 'tie_word_embeddings': False,
         'bos_token_id': 1, 'eos_token_id': 2, 'hidden_act': 'silu', 'torch_dtype': 'float32'},
        {'bos_token_id': 1, 'eos_token_id': 2}, dtypes=('q8',))
    c = base('llama', vocab=sp_size, seed=12, layers=1)
    manifest['llama-gqa-draft'] = build(
        'llama-gqa-draft', c, sp, {**sp_config, 'chat_template': LLAMA2_TEMPLATE},
        {'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': sp_size,
         'hidden_size': 64, 'intermediate_size': 128, 'num_hidden_layers': 1,
         'num_attention_heads': 4, 'num_key_value_heads': 2, 'max_position_embeddings': 256,
         'rms_norm_eps': 1e-6, 'rope_theta': 10000.0, 'tie_word_embeddings': False,
         'bos_token_id': 1, 'eos_token_id': 2, 'hidden_act': 'silu', 'torch_dtype': 'float32'},
        {'bos_token_id': 1, 'eos_token_id': 2}, dtypes=('q8',))

    # Qwen2: q/k/v bias, explicit head_dim, num_logits_to_keep, ChatML, two eos ids.
    c = base('qwen2', vocab=bl_size, seed=21, head_dim=24, keep=True, tie=True)
    im_end, endoftext = bl_ids['<|im_end|>'], bl_ids['<|endoftext|>']
    manifest['qwen2'] = build(
        'qwen2', c, bl,
        {'add_bos_token': False, 'add_prefix_space': False, 'bos_token': None,
         'eos_token': '<|im_end|>', 'pad_token': '<|endoftext|>', 'unk_token': None,
         'errors': 'replace', 'model_max_length': 256, 'split_special_tokens': False,
         'clean_up_tokenization_spaces': False, 'tokenizer_class': 'Qwen2Tokenizer',
         'chat_template': CHATML_TEMPLATE},
        {'architectures': ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'vocab_size': bl_size,
         'hidden_size': 64, 'intermediate_size': 128, 'num_hidden_layers': 2,
         'num_attention_heads': 4, 'num_key_value_heads': 2, 'head_dim': 24,
         'max_position_embeddings': 256, 'rms_norm_eps': 1e-6, 'rope_theta': 10000.0,
         'tie_word_embeddings': True, 'bos_token_id': endoftext, 'eos_token_id': endoftext,
         'hidden_act': 'silu', 'torch_dtype': 'float32'},
        {'bos_token_id': endoftext, 'eos_token_id': [im_end, endoftext],
         'pad_token_id': endoftext}, dtypes=('fp16', 'q4'))

    # Gemma-style: no position_ids input, multi-query attention, explicit head_dim.
    c = base('gemma', vocab=sp_size, seed=31, kv_heads=1, head_dim=32, tie=True)
    end_of_turn = sp_ids['<end_of_turn>']
    manifest['gemma-nopos'] = build(
        'gemma-nopos', c, sp, {**sp_config, 'tokenizer_class': 'GemmaTokenizer',
                               'pad_token': '<unk>', 'chat_template': GEMMA_TEMPLATE},
        {'architectures': ['GemmaForCausalLM'], 'model_type': 'gemma', 'vocab_size': sp_size,
         'hidden_size': 64, 'intermediate_size': 128, 'num_hidden_layers': 2,
         'num_attention_heads': 4, 'num_key_value_heads': 1, 'head_dim': 32,
         'max_position_embeddings': 256, 'rms_norm_eps': 1e-6, 'rope_theta': 10000.0,
         'bos_token_id': 1, 'eos_token_id': 2, 'pad_token_id': 0, 'hidden_act': 'gelu_pytorch_tanh',
         'torch_dtype': 'float32'},
        {'bos_token_id': 1, 'eos_token_id': [2, end_of_turn], 'pad_token_id': 0})

    # GPT-2 as exported before 2023: no position_ids, use_cache_branch, n_* config names.
    c = base('gpt2', vocab=bl_size, seed=41, kv_heads=4, tie=True, position_ids=False,
             use_cache_branch=True)
    manifest['gpt2-legacy'] = build(
        'gpt2-legacy', c, bl,
        {'add_bos_token': False, 'add_prefix_space': False, 'bos_token': '<|endoftext|>',
         'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>', 'model_max_length': 256,
         'tokenizer_class': 'GPT2Tokenizer'},
        {'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': bl_size,
         'n_embd': 64, 'n_layer': 2, 'n_head': 4, 'n_positions': 256, 'n_ctx': 256,
         'n_inner': 128, 'activation_function': 'gelu_new', 'layer_norm_epsilon': 1e-5,
         'bos_token_id': endoftext, 'eos_token_id': endoftext, 'tie_word_embeddings': True},
        {'bos_token_id': endoftext, 'eos_token_id': endoftext})

    build_hybrid(sp, sp_size)
    write_json(os.path.join(ROOT, 'manifest.json'), manifest)
    print(json.dumps(manifest, indent=2))


if __name__ == '__main__':
    sys.exit(main())
