// Live messages over the WebSocket: the server says hello, then sends
// every message posted, by anyone; the form sends over it when it is open.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var form = document.getElementById("post");
  var status = document.getElementById("status");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + list.dataset.socket);

  function show(author, text) {
    var empty = list.querySelector(".empty");
    if (empty) { list.removeChild(empty); }
    var item = document.createElement("li");
    var name = document.createElement("b");
    name.textContent = author;
    item.appendChild(name);
    item.appendChild(document.createTextNode(" " + text));
    list.appendChild(item);
  }

  socket.onmessage = function (event) {
    var data = JSON.parse(event.data);
    if (data.hello) {
      status.textContent = "Live messages: connected as " + data.hello;
    } else if (data.error) {
      status.textContent = "Not sent: " + data.error;
    } else {
      show(data.author, data.text);
    }
  };
  socket.onclose = function () {
    status.textContent = "Live messages: disconnected";
  };
  form.addEventListener("submit", function (event) {
    if (socket.readyState !== WebSocket.OPEN) { return; }  // post the form
    event.preventDefault();
    socket.send(form.elements.text.value);
    form.elements.text.value = "";
  });
}());
