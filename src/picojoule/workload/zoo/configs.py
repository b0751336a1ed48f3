"""Hugging Face-style configs of the zoo's transformers (the public config.json values)."""

from __future__ import annotations

from typing import Any

_BERT = {"model_type": "bert", "vocab_size": 30522, "max_position_embeddings": 512,
         "type_vocab_size": 2, "hidden_act": "gelu"}
_LLAMA2 = {"model_type": "llama", "vocab_size": 32000, "hidden_act": "silu",
           "max_position_embeddings": 4096, "tie_word_embeddings": False}

_LLAMA3 = {"model_type": "llama", "vocab_size": 128256, "hidden_act": "silu",
           "max_position_embeddings": 8192, "tie_word_embeddings": False,
           "num_key_value_heads": 8}

# name -> (description, source of the config, config)
CONFIGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bert-base": ("BERT-base, uncased, with pooler", "huggingface.co/bert-base-uncased",
                  {**_BERT, "hidden_size": 768, "num_attention_heads": 12,
                   "num_hidden_layers": 12, "intermediate_size": 3072}),
    "bert-large": ("BERT-large, uncased, with pooler", "huggingface.co/bert-large-uncased",
                   {**_BERT, "hidden_size": 1024, "num_attention_heads": 16,
                    "num_hidden_layers": 24, "intermediate_size": 4096}),
    "gpt-2": ("GPT-2 small (124M), tied LM head", "huggingface.co/gpt2",
              {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768,
               "n_layer": 12, "n_head": 12, "activation_function": "gelu_new"}),
    "llama-2-7b": ("LLaMA-2 7B", "huggingface.co/meta-llama/Llama-2-7b-hf",
                   {**_LLAMA2, "hidden_size": 4096, "num_attention_heads": 32,
                    "num_key_value_heads": 32, "num_hidden_layers": 32,
                    "intermediate_size": 11008}),
    "llama-2-70b": ("LLaMA-2 70B, grouped-query attention (8 KV heads)",
                    "huggingface.co/meta-llama/Llama-2-70b-hf",
                    {**_LLAMA2, "hidden_size": 8192, "num_attention_heads": 64,
                     "num_key_value_heads": 8, "num_hidden_layers": 80,
                     "intermediate_size": 28672}),
    "vit-b-16": ("ViT-B/16 at 224x224, 1000 classes", "huggingface.co/google/vit-base-patch16-224",
                 {"model_type": "vit", "hidden_size": 768, "num_attention_heads": 12,
                  "num_hidden_layers": 12, "intermediate_size": 3072, "hidden_act": "gelu",
                  "image_size": 224, "patch_size": 16, "num_channels": 3, "num_labels": 1000}),
    "llama-3-8b": ("Llama 3 8B, grouped-query attention (8 KV heads)",
                   "huggingface.co/meta-llama/Meta-Llama-3-8B",
                   {**_LLAMA3, "hidden_size": 4096, "num_attention_heads": 32,
                    "num_hidden_layers": 32, "intermediate_size": 14336}),
    "llama-3-70b": ("Llama 3 70B, grouped-query attention (8 KV heads)",
                    "huggingface.co/meta-llama/Meta-Llama-3-70B",
                    {**_LLAMA3, "hidden_size": 8192, "num_attention_heads": 64,
                     "num_hidden_layers": 80, "intermediate_size": 28672}),
    "llama-3-405b": ("Llama 3.1 405B, grouped-query attention (8 KV heads)",
                     "huggingface.co/meta-llama/Llama-3.1-405B",
                     {**_LLAMA3, "hidden_size": 16384, "num_attention_heads": 128,
                      "num_hidden_layers": 126, "intermediate_size": 53248}),
    "gpt-3-175b": ("GPT-3 175B (Brown et al. 2020, Table 2.1), tied embeddings",
                   "Brown et al. 2020 'Language Models are Few-Shot Learners' Table 2.1",
                   {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 2048,
                    "n_embd": 12288, "n_layer": 96, "n_head": 96,
                    "activation_function": "gelu_new"}),
}
