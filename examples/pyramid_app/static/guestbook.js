// Live: the server says hello to the logged-in user over the WebSocket.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + live.dataset.socket);
  socket.onmessage = function (event) {
    var data = JSON.parse(event.data);
    if (data.hello) { live.textContent = "Live: connected as " + data.hello; }
  };
  socket.onclose = function () { live.textContent = "Live: disconnected"; };
}());
