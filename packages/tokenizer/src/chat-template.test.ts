import { describe, expect, test } from "vitest";
import { ChatTemplateRenderer } from "./chat-template.js";
import { ChatTemplateError } from "./errors.js";

const user = [{ role: "user", content: "hi" }];

describe("ChatTemplateRenderer", () => {
  test("passes messages, the generation flag, special tokens and extra variables to the template", () => {
    const renderer = new ChatTemplateRenderer(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}" +
        "{% if add_generation_prompt %}[assistant:{% endif %}{{ extra }}{{ tools is none }}",
      { bos_token: "<s>" },
    );
    expect(renderer.render(user, { addGenerationPrompt: true, templateKwargs: { extra: "!" } })).toBe(
      "<s>[user:hi][assistant:!true",
    );
    expect(renderer.render(user)).toBe("<s>[user:hi]true");
  });

  test("str.strip/lstrip/rstrip behave as in Python, with and without chars", () => {
    const renderer = new ChatTemplateRenderer(
      "{{ messages[0].content.lstrip('\\n') }}|{{ messages[0].content.rstrip('\\t\\n ') }}|" +
        "{{ messages[0].content.strip() }}|{{ messages[0].content.strip('\\n ') }}",
      {},
    );
    expect(renderer.render([{ role: "user", content: "\n  x \t\n" }])).toBe("  x \t\n|\n  x|x|x \t");
    const nonString = new ChatTemplateRenderer("{{ messages[0].n.strip() }}", {});
    expect(() => nonString.render([{ role: "user", content: "", n: 1 }])).toThrow(ChatTemplateError);
  });

  test("copies reasoning under every name templates read, as transformers 5 does", () => {
    const renderer = new ChatTemplateRenderer(
      "{% for m in messages %}{{ m.reasoning_content }}/{{ m.thinking }}/{{ m.reasoning }};{% endfor %}",
      {},
    );
    expect(
      renderer.render([
        { role: "assistant", content: "a", reasoning: "r" },
        { role: "assistant", content: "b", thinking: "t" },
        { role: "assistant", content: "c" },
      ]),
    ).toBe("r/r/r;t/t/;//;");
  });

  test("named templates: the requested one, tool_use when tools are given, else default", () => {
    const renderer = new ChatTemplateRenderer(
      [
        { name: "default", template: "default" },
        { name: "tool_use", template: "tools:{{ tools | length }}" },
        { name: "other", template: "other" },
      ],
      {},
    );
    expect(renderer.render(user)).toBe("default");
    expect(renderer.render(user, { tools: [{ name: "f" }] })).toBe("tools:1");
    expect(renderer.render(user, { chatTemplate: "other" })).toBe("other");
    expect(renderer.render(user, { chatTemplate: "inline {{ messages | length }}" })).toBe("inline 1");
    const noDefault = new ChatTemplateRenderer([{ name: "a", template: "a" }], {});
    expect(() => noDefault.render(user)).toThrow(/several chat templates \(a\)/);
  });

  test("a tokenizer without a template accepts one per call, and says so otherwise", () => {
    const renderer = new ChatTemplateRenderer(undefined, {});
    expect(() => renderer.render(user)).toThrow(ChatTemplateError);
    expect(() => renderer.render(user)).toThrow(/no chat template/);
    expect(renderer.render(user, { chatTemplate: "{{ messages[0].content }}" })).toBe("hi");
  });

  test("parse errors and raise_exception become ChatTemplateError with the template's message", () => {
    expect(() => new ChatTemplateRenderer("{% if %}", {}).render(user)).toThrow(/cannot be parsed/);
    const raising = new ChatTemplateRenderer("{{ raise_exception('Only user and assistant roles') }}", {});
    expect(() => raising.render(user)).toThrow(/failed: .*Only user and assistant roles/);
  });
});
