// 社保问答 citizen page. The dialogue state lives here (localStorage), so a reload keeps the conversation and
// any server replica can answer any turn. Citizen text is only ever set as textContent; answer HTML comes
// from the server's sanitiser (ui/render.py), whose only links are tel: links.
"use strict";
(function () {
  const KEY = "shebao.dialogue.v1", ELDER = "shebao.elder";
  const EXAMPLES = ["灵活就业怎么参保？", "社保卡丢了怎么补办？", "养老金资格认证什么时候做？",
    "我60岁了，交了12年，能领养老金吗？", "单位新招了员工，社保登记要在多少天内办？"];
  const OOPS = "抱歉，网络或系统暂时出了问题，请稍后再试；也可以拨打人社服务热线 12333。";
  let dialogue = load();
  const $ = (id) => document.getElementById(id);

  function load() {
    try { const d = JSON.parse(localStorage.getItem(KEY) || "null"); if (d && Array.isArray(d.turns)) return d; }
    catch (e) { /* a broken saved dialogue starts fresh */ }
    return { state: null, region: "", turns: [] };
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify({ ...dialogue, turns: dialogue.turns.slice(-20) })); }
    catch (e) { /* storage full or off: the dialogue still works until the page is closed */ }
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  async function post(path, body, tries = 2) {
    let r, data = null;
    try {
      r = await fetch("api/v1/" + path, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body) });
    } catch (e) {
      // no answer at all (a replica stopped mid-request): asking and rating are safe to repeat, so once more
      if (tries > 1) return post(path, body, tries - 1);
      throw e;
    }
    try { data = await r.json(); } catch (e) {
      if (r.ok && tries > 1) return post(path, body, tries - 1);   // the answer was cut off: once more
    }
    if (!r.ok) {
      const d = data && data.detail;
      const msg = typeof d === "string" ? d : (Array.isArray(d) ? "输入有误：请检查填写的内容。" : OOPS);
      const err = new Error(msg); err.status = r.status; throw err;
    }
    return data;
  }

  function renderTurn(t, index) {
    const log = $("log");
    log.appendChild(el("div", { class: "q", "aria-label": "您的问题" }, t.q));
    const a = el("article", { class: "a", "aria-label": "回答", id: "answer-" + index });
    a.innerHTML = t.view.html;   // sanitised on the server
    if (t.view.clarify) {
      const box = el("div", { class: "regions" });
      box.appendChild(el("p", {}, t.view.clarify.text));
      for (const r of t.view.clarify.regions) {
        const b = el("button", { type: "button" }, r.label);
        b.addEventListener("click", () => { $("region").value = r.slug; dialogue.region = r.slug; ask(t.q); });
        box.appendChild(b);
      }
      a.appendChild(box);
    }
    if (t.view.related && t.view.related.length) {
      const box = el("div", { class: "related" });
      box.appendChild(el("p", {}, "您可能还想了解："));
      for (const r of t.view.related) {
        const b = el("button", { type: "button" }, r.title);
        b.addEventListener("click", () => ask(r.question));
        box.appendChild(b);
      }
      a.appendChild(box);
    }
    if (t.turn) {
      const rate = el("div", { class: "rate" });
      if (t.rated) rate.appendChild(el("span", { class: "done" }, "已评价，谢谢！"));
      else for (const [v, label] of [["helpful", "有帮助"], ["unhelpful", "没帮助"]]) {
        const b = el("button", { type: "button" }, label);
        b.addEventListener("click", () => rateTurn(t, v, rate));
        rate.appendChild(b);
      }
      a.appendChild(rate);
    }
    log.appendChild(a);
    return a;
  }

  async function rateTurn(t, verdict, box) {
    box.textContent = "";
    try { const r = await post("feedback", { turn: t.turn, verdict });
          box.appendChild(el("span", { class: "done" }, r.message)); }
    catch (e) { box.appendChild(el("span", { class: "done" }, e.message)); }
    t.rated = true; save();
  }

  function renderAll() {
    $("log").textContent = "";
    dialogue.turns.forEach((t, i) => renderTurn(t, i));
    $("examples").hidden = dialogue.turns.length > 0;
    if (dialogue.region) $("region").value = dialogue.region;
  }

  async function ask(question) {
    const q = (question || "").trim();
    $("ask-error").textContent = "";
    if (!q) { $("ask-error").textContent = "请先输入您的问题。"; return; }
    $("send").disabled = true;
    const busy = el("p", { class: "busy", role: "status" }, "正在查找……");
    $("log").appendChild(busy);
    try {
      const r = await post("ask", { question: q, region: $("region").value || null, state: dialogue.state });
      busy.remove();
      dialogue.state = r.state;
      if (r.region) { dialogue.region = r.region; $("region").value = r.region; }
      const t = { q: r.question || q, view: r.view, turn: r.turn, rated: false };
      dialogue.turns.push(t); save();
      $("examples").hidden = true;
      $("question").value = "";
      const a = renderTurn(t, dialogue.turns.length - 1);
      const asked = a.previousElementSibling;   // the citizen's question, then the answer's top, in view
      const top = asked && asked.getBoundingClientRect().height < window.innerHeight / 4 ? asked : a;
      top.scrollIntoView({ block: "start", behavior: "instant" });
    } catch (e) {
      busy.remove();
      $("ask-error").textContent = e.message || OOPS;
      if (e.status === 422 && /新的咨询/.test(e.message || "")) { dialogue.state = null; save(); }
    } finally { $("send").disabled = false; }
  }

  function fresh() {
    dialogue = { state: null, region: $("region").value || "", turns: [] };
    save(); renderAll(); $("verdicts").textContent = ""; window.scrollTo(0, 0);
  }

  async function regions() {
    try {
      const r = await fetch("api/v1/regions"); const list = await r.json();
      for (const x of list) $("region").appendChild(el("option", { value: x.slug }, x.label + "｜" + x.bureau));
      if (dialogue.region) $("region").value = dialogue.region;
    } catch (e) { /* the page still works for 全部地区 */ }
  }

  function tab(which) {
    for (const [name, other] of [["chat", "check"], ["check", "chat"]]) {
      if (name !== which) continue;
      $("tab-" + name).setAttribute("aria-selected", "true"); $("tab-" + other).setAttribute("aria-selected", "false");
      $("panel-" + name).hidden = false; $("panel-" + other).hidden = true;
    }
  }

  async function check(ev) {
    ev.preventDefault();
    const f = new FormData($("check")), body = {};
    for (const [k, v] of f.entries()) if (String(v).trim() !== "") body[k] = ["age", "years", "days"].includes(k) ? Number(v) : v;
    if ($("region").value) body.region = $("region").value;   // 本省 is the province of the chosen bureau
    $("verdicts").textContent = "正在判断……";
    try { const r = await post("check", body); $("verdicts").innerHTML = r.html; }
    catch (e) { $("verdicts").textContent = e.message || OOPS; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (localStorage.getItem(ELDER) === "1") { document.documentElement.classList.add("elder"); $("elder").checked = true; }
    $("elder").addEventListener("change", (e) => {
      document.documentElement.classList.toggle("elder", e.target.checked);
      localStorage.setItem(ELDER, e.target.checked ? "1" : "0");
    });
    for (const q of EXAMPLES) {
      const b = el("button", { type: "button" }, q); b.addEventListener("click", () => ask(q));
      $("examples").appendChild(b);
    }
    $("ask").addEventListener("submit", (e) => { e.preventDefault(); ask($("question").value); });
    $("question").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask($("question").value); }
    });
    $("new").addEventListener("click", fresh);
    $("region").addEventListener("change", (e) => { dialogue.region = e.target.value; save(); });
    $("tab-chat").addEventListener("click", () => tab("chat"));
    $("tab-check").addEventListener("click", () => tab("check"));
    $("check").addEventListener("submit", check);
    $("check").addEventListener("reset", () => { $("verdicts").textContent = ""; });
    regions(); renderAll(); window.scrollTo(0, 0);
  });
})();
