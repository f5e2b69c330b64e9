export default function ({ data, parentElement, setTriggerValue }) {
  let host = parentElement.querySelector("div.host");
  if (!host) {
    host = document.createElement("div");
    host.className = "host";
    parentElement.appendChild(host);
  }
  if (host.shown !== data) {  // the same table again (a rerun that changed nothing): keep the DOM
    host.innerHTML = data;
    host.shown = data;
  }
  host.onclick = (event) => {
    const picked = event.target.closest("[data-unit]");
    if (picked) setTriggerValue("picked", picked.dataset.unit);
  };
}
