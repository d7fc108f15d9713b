// Crumb enhances pages that already work without JavaScript. What it says
// comes from the page, in the page's language (data-* attributes of the forms).
(() => {
  "use strict";

  const announce = (text) => {
    const status = document.getElementById("live-status");
    if (status) status.textContent = text;
  };

  const post = (form) =>
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });

  // Today's offer: open as a modal dialog (focus stays inside, Escape
  // closes it), tell the server the shopper's time zone, and dismiss it
  // without a reload.
  const offer = document.getElementById("todays-offer");
  if (offer) {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    offer.querySelectorAll('input[name="tz"]').forEach((input) => { input.value = tz; });
    if (offer.open && typeof offer.showModal === "function") {
      offer.close();
      offer.showModal();
    }
    const dismiss = offer.querySelector("form.js-dismiss-offer");
    dismiss?.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const res = await post(dismiss);
        if (!res.ok) throw new Error(String(res.status));
        offer.close();
        announce(dismiss.dataset.done);
      } catch {
        dismiss.submit();
      }
    });
  }

  // Add to cart without leaving the page; the form still works alone.
  document.querySelectorAll('form[action="/cart/items"]').forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        const res = await post(form);
        const body = await res.json();
        const count = document.getElementById("cart-count");
        if (count && typeof body.count === "number") {
          count.textContent = String(body.count);
          count.classList.remove("bump");
          void count.offsetWidth;
          count.classList.add("bump");
        }
        let note = form.querySelector(".form-note");
        if (!note) {
          note = document.createElement("p");
          note.className = "form-note";
          note.setAttribute("role", "status");
          form.append(note);
        }
        note.textContent = res.ok ? form.dataset.added : body.error || form.dataset.failed;
        note.classList.toggle("alert-error", !res.ok);
      } catch {
        form.submit();
      } finally {
        if (button) button.disabled = false;
      }
    });
  });
})();

// Placing an order: one click is enough. The server also treats a second
// submit of the same checkout token as the same order.
document.querySelectorAll("form.checkout-form").forEach((form) => {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) setTimeout(() => { button.disabled = true; button.textContent = form.dataset.placing; }, 0);
  });
});
