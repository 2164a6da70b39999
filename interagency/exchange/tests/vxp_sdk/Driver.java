// One call of the national VXP SDK per run, against the endpoint given; prints "RESULT:" + JSON.
// Usage: Driver ENDPOINT SYSTEM_ID SECRET STORE_DIR COMMAND [ARGS...]
import com.google.gson.Gson;
import com.vpcp.services.AgencyServiceImp;
import com.vpcp.services.KnobstickServiceImp;
import com.vpcp.services.VnptProperties;
import com.vpcp.services.model.Agency;
import com.vpcp.services.model.CountReceiveEdoc;
import com.vpcp.services.model.GetAgenciesResult;
import com.vpcp.services.model.GetChangeStatusResult;
import com.vpcp.services.model.GetEdocResult;
import com.vpcp.services.model.GetReceivedEdocResult;
import com.vpcp.services.model.GetSendEdocResult;
import com.vpcp.services.model.Knobstick;
import com.vpcp.services.model.SendEdocResult;
import com.vpcp.services.model.StatusResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class Driver {
    public static void main(String[] args) {
        VnptProperties properties = new VnptProperties(args[0], args[1], args[2], args[3], 10, 3);
        KnobstickServiceImp documents = new KnobstickServiceImp(properties);
        AgencyServiceImp directory = new AgencyServiceImp(properties);
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        String command = args[4];
        if (command.equals("agencies")) {
            GetAgenciesResult result = directory.getAgenciesList("{}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                List<String> codes = new ArrayList<String>();
                if (result.getAgencies() != null) {
                    for (Agency agency : result.getAgencies()) codes.add(agency.getCode());
                }
                out.put("codes", codes);
            }
        } else if (command.equals("send")) {
            String header = "{\"from\":\"" + args[6] + "\",\"servicetype\":\"eDoc\",\"messagetype\":\"" + args[5] + "\"}";
            SendEdocResult result = documents.sendEdoc(header, args[7]);
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                out.put("docId", result.getDocID());
            }
        } else if (command.equals("received")) {
            GetReceivedEdocResult result = documents.getReceivedEdocList(
                "{\"servicetype\":\"eDoc\",\"messagetype\":\"" + args[5] + "\"}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                List<Map<String, String>> docs = new ArrayList<Map<String, String>>();
                if (result.getKnobsticks() != null) {
                    for (Knobstick item : result.getKnobsticks()) {
                        Map<String, String> doc = new LinkedHashMap<String, String>();
                        doc.put("id", item.getId());
                        doc.put("from", item.getFrom());
                        doc.put("to", item.getTo());
                        doc.put("messageType", item.getMessageType());
                        docs.add(doc);
                    }
                }
                out.put("docs", docs);
            }
        } else if (command.equals("get")) {
            GetEdocResult result = documents.getEdoc(
                "{\"filePath\":\"" + args[3] + "\",\"docId\":\"" + args[5] + "\"}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                out.put("data", result.getData());
                out.put("filePath", result.getFilePath());
            }
        } else if (command.equals("download")) {
            GetEdocResult result = documents.downloadEdoc(
                "{\"filePath\":\"" + args[3] + "\",\"docId\":\"" + args[5] + "\"}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                out.put("filePath", result.getFilePath());
            }
        } else if (command.equals("update")) {
            GetChangeStatusResult result = documents.updateStatus(
                "{\"status\":\"" + args[6] + "\",\"docId\":\"" + args[5] + "\"}");
            if (result != null) put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
        } else if (command.equals("sent")) {
            GetSendEdocResult result = documents.getSentEdocList(
                "{\"servicetype\":\"eDoc\",\"messagetype\":\"edoc\"}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                List<Map<String, String>> rows = new ArrayList<Map<String, String>>();
                if (result.getStatusResult() != null) {
                    for (StatusResult row : result.getStatusResult()) {
                        Map<String, String> item = new LinkedHashMap<String, String>();
                        item.put("senderDocId", row.getSenderDocId());
                        item.put("toCode", row.getToCode());
                        item.put("sendStatus", row.getSendStatus());
                        rows.add(item);
                    }
                }
                out.put("rows", rows);
            }
        } else if (command.equals("count")) {
            CountReceiveEdoc result = documents.countReceiveEdoc("{}");
            if (result != null) {
                put(out, result.getStatus(), result.getErrorCode(), result.getErrorDesc());
                out.put("count", result.getCount());
            }
        } else {
            out.put("usage", "unknown command " + command);
        }
        System.out.println("RESULT:" + (out.isEmpty() ? "null" : new Gson().toJson(out)));
    }

    private static void put(Map<String, Object> out, String status, String code, String desc) {
        out.put("status", status);
        out.put("errorCode", code);
        out.put("errorDesc", desc);
    }
}
