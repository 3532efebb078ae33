// The live room: messages arrive on a WebSocket, and the form sends on it
// once it is open (without JavaScript the form posts to the page).
(function () {
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var ws = new WebSocket(scheme + location.host + "/ws");
  var list = document.getElementById("messages");
  var form = document.getElementById("post");
  ws.onmessage = function (event) {
    var message = JSON.parse(event.data);
    if (message.history) { return; }  // the page shows it already
    var item = document.createElement("li");
    var who = document.createElement("b");
    who.textContent = message.user;
    item.appendChild(who);
    item.appendChild(document.createTextNode(": " + message.text));
    list.appendChild(item);
  };
  form.addEventListener("submit", function (event) {
    if (ws.readyState !== WebSocket.OPEN) { return; }
    event.preventDefault();
    ws.send(form.elements.text.value);
    form.elements.text.value = "";
  });
})();
