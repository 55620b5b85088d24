// The overview page: one button, which writes every student's feedback file and the zip.
"use strict";
const button = document.getElementById("write-feedback");
const status = document.getElementById("status");
button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.api, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
    const data = await response.json();
    if (!response.ok) throw new Error(data.error);
    status.textContent = `${data.files} feedback files written, and ${data.zip}`;
    status.className = "ok";
  } catch (err) {
    status.textContent = `not written: ${err.message}`;
    status.className = "bad";
  } finally {
    button.disabled = false;
  }
});
